// forge check-resume: trains a short run twice in a scratch folder — straight through, and
// stopped after a few steps then resumed, each in its own forge process — and reports whether
// the final parameters and buffers, and the callbacks' states, are bitwise identical, naming
// the first that differs.
#include "app/resume_exactness.hpp"
#include "app/run_flags.hpp"
#include "cli/command_help.hpp"
#include "cli/commands.hpp"
#include "core/process.hpp"
#include "runs/checkpoint_files.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

#include <cstdlib>
#include <iostream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

const char* usage =
    "usage: forge check-resume --data PLUGIN --model PLUGIN [--stop_at K] [train flags]\n"
    "Trains the run twice in a scratch folder — straight through, and stopped after K steps\n"
    "then resumed — and checks that both end bitwise identical: parameters,\n"
    "buffers and every callback's state. Exit 0 when they do, 1 when they do not (naming the\n"
    "first that differs). Keep it short: --epochs 1, a small dataset.\n";

void run_forge_step(const std::vector<std::string>& argv, const std::string& what) {
  ProcessResult result = run_process(argv);
  if (result.exit_status != 0) {
    std::cerr << result.output;
    throw Error(ExitCode::failure, "check-resume: the " + what + " failed (exit " + std::to_string(result.exit_status) +
                                       "); its output is above");
  }
}

std::string make_scratch_dir() {
  std::string pattern = (fs::temp_directory_path() / "forge-check-resume-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw Error(ExitCode::failure, "check-resume: cannot create a scratch folder");
  return pattern;
}

// check-resume's own --stop_at; every other argument is forge train's.
FlagSet check_resume_syntax() {
  FlagSet set("check-resume");
  set.declare({integer_flag("stop_at", 5, "the step after which the second run stops and is resumed")},
              "forge check-resume");
  set.forward_undeclared();
  return set;
}

// The train flags given. Throws Error(ExitCode::usage) for a flag check-resume chooses itself.
Args train_args(const CommandLine& line) {
  for (const char* chosen : {"run_dir", "run_name", "checkpoint_dir", "stop_after_steps", "stop_after_epochs"})
    if (!find_flag_value(line.forwarded, chosen).empty())
      throw Error(ExitCode::usage, std::string("check-resume chooses --") + chosen + " itself; leave it out");
  return line.forwarded;
}

// `args` without any --NAME VALUE or --NAME=VALUE.
Args without_flag(const Args& args, const std::string& name) {
  Args out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--" + name && i + 1 < args.size())
      ++i;
    else if (args[i].rfind("--" + name + "=", 0) != 0)
      out.push_back(args[i]);
  }
  return out;
}

// Trains `train` straight through, then stopped after `stop_at` steps and resumed, in
// <scratch>/straight/1 and <scratch>/stopped/1.
void train_both_runs(const Args& train, const std::string& scratch, int64_t stop_at) {
  Args straight = train;
  straight.insert(straight.end(), {"--run_name", "straight"});
  spdlog::info("check-resume: training straight through ({})", scratch + "/straight/1");
  run_forge_step(straight, "straight run");
  // The same seed for the second run: the one the first drew, or was given (once: a --seed on
  // the command line is replaced, not repeated).
  Args stopped = without_flag(train, "seed");
  std::string seed = std::to_string(read_saved_flags(scratch + "/straight/1").integer("seed"));
  stopped.insert(stopped.end(),
                 {"--run_name", "stopped", "--stop_after_steps", std::to_string(stop_at), "--seed", seed});
  spdlog::info("check-resume: training again, stopping after step {}", stop_at);
  run_forge_step(stopped, "stopped run");
  if (list_checkpoints(scratch + "/stopped/1").back() != stop_at)
    throw Error(ExitCode::usage,
                "check-resume: the run has fewer than " + std::to_string(stop_at) + " steps; pass a smaller --stop_at");
  spdlog::info("check-resume: resuming from step {}", stop_at);
  run_forge_step({train[0], "resume", scratch + "/stopped/1"}, "resume");
}

}  // namespace

int check_resume_command(const Args& given) {
  const std::optional<CommandLine> line = read_command_line(given, usage, check_resume_syntax());
  if (!line) return 0;
  const int64_t stop_at = line->flags.integer("stop_at");
  if (stop_at < 1) throw Error(ExitCode::usage, "--stop_at must be at least 1 (a step of the run)");
  const Args args = train_args(*line);
  const std::string scratch = make_scratch_dir();
  Args train{own_executable(), "train"};
  train.insert(train.end(), args.begin(), args.end());
  train.insert(train.end(), {"--checkpoint_dir", scratch});
  train_both_runs(train, scratch, stop_at);

  size_t compared = 0;
  const std::string difference = first_final_difference(scratch + "/straight/1", scratch + "/stopped/1", compared);
  if (!difference.empty()) {
    std::cout << "resume is NOT exact: " << difference << "; runs kept in " << scratch << std::endl;
    return int(ExitCode::failure);
  }
  std::cout << "resume is exact: all " << compared
            << " parameter, buffer and callback state tensors are bitwise identical after stopping at step " << stop_at
            << " and resuming" << std::endl;
  fs::remove_all(scratch);
  return 0;
}

}  // namespace forge
