// forge-engine: the commands that need libtorch. Started by `forge` through exec.
#include "cli/commands.hpp"

#include "core/exception_text.hpp"
#include "core/logging.hpp"

#include <forge/error.hpp>

#include <algorithm>
#include <csignal>

namespace forge {
namespace {

int dispatch(const Args& args, const Args& command_line) {
  const std::string command = args.empty() ? "" : args[0];
  if (std::find(engine_commands.begin(), engine_commands.end(), command) == engine_commands.end())
    throw Error(ExitCode::usage,
                "forge-engine runs only train, resume, eval, export, search and check-resume; run `forge " + command +
                    "` instead");
  Args rest(args.begin() + 1, args.end());
  if (command == "train") return train_command(rest, command_line);
  if (command == "resume") return resume_command(rest, command_line);
  if (command == "eval") return eval_command(rest);
  if (command == "export") return export_command(rest);
  if (command == "search") return search_command(rest, command_line);
  return check_resume_command(rest);
}

}  // namespace

int run_engine(int argc, char** argv) {
  // A write to a socket whose peer is gone (a dead data-parallel rank: Gloo on libtorch 2.x) or
  // to a closed pipe must fail as an error forge reports, not end this process by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  setup_console_log();
  Args command_line(argv, argv + argc);
  Args args(command_line.begin() + 1, command_line.end());
  return report_errors([&] { return dispatch(args, command_line); }, exception_text);
}

}  // namespace forge
