// forge train: prepare both plugins, parse every flag (theirs too), then train a new run
// (app/train_new_run.hpp) or start its data-parallel workers.
#include "app/run_flags.hpp"
#include "app/train_flags.hpp"
#include "app/train_new_run.hpp"
#include "cli/commands.hpp"
#include "cli/worker_launch.hpp"
#include "runs/run_dir.hpp"

#include <forge/error.hpp>

#include <algorithm>
#include <iostream>

namespace forge {
namespace {

const char* usage =
    "usage: forge train --data PLUGIN --model PLUGIN [flags]\n"
    "       forge train --config FILE [flags]\n"
    "Add --data and --model to --help to see the plugins' flags too.\n";

bool wants_help(const Args& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

Args without_help(Args args) {
  args.erase(std::remove_if(args.begin(), args.end(), [](auto& a) { return a == "--help" || a == "-h"; }), args.end());
  return args;
}

}  // namespace

int train_command(const Args& given_args, const Args& command_line) {
  const bool help = wants_help(given_args);
  const Args args = without_help(given_args);
  const std::string config = find_flag_value(args, "config");
  const std::string data_name = given_or_configured(args, "data");
  const std::string model_name = given_or_configured(args, "model");
  const std::string run_dir_given = given_or_configured(args, "run_dir");
  // The one command a requeued cluster job needs: start the run in --run_dir, or resume it.
  if (!help && !run_dir_given.empty() && is_run_dir(run_dir_given)) {
    Args resume_args{run_dir_given};
    resume_args.insert(resume_args.end(), args.begin(), args.end());
    return resume_command(resume_args, command_line);
  }
  if (help && (data_name.empty() || model_name.empty())) {
    std::cout << usage << forge_flag_set().help();
    return 0;
  }
  if (data_name.empty() || model_name.empty())
    throw Error(ExitCode::usage, std::string("forge train needs --") + (data_name.empty() ? "data" : "model") +
                                     " (a plugin name, .so or .cpp); see forge train --help");

  // Both plugins first: their flags complete the parser (and --help).
  PreparedPlugins plugins = prepare_plugins(data_name, model_name);
  FlagSet flag_set = train_flag_set(plugins.data, plugins.model);
  if (help) {
    std::cout << usage << flag_set.help();
    return 0;
  }
  Flags flags = flag_set.parse(args, config);
  // --nproc_per_node N: this process starts the N data-parallel workers, which run this command.
  WorkerLaunch launch = worker_launch_from(flags);
  if (should_launch_workers(launch)) {
    Args workers_command = command_line;
    launch.run_dir = run_dir_given;
    // A group started again must resume the run the first one started: the launcher picks
    // the folder, and the workers train in it (--run_dir, which resumes a run it holds).
    if (launch.max_restarts > 0 && run_dir_given.empty()) {
      if (launch.nnodes > 1)
        throw Error(ExitCode::usage,
                    "--max_restarts over several nodes needs --run_dir: the same folder, on a file system every "
                    "node shares, so that each node's restarted ranks resume one run");
      launch.run_dir = claim_run_dir(flags.text("checkpoint_dir"), flags.text("run_name"));
      workers_command.insert(workers_command.end(), {"--run_dir", launch.run_dir});
    }
    return launch_workers(workers_command, launch);
  }
  return train_new_run({std::move(plugins), flag_set, flags, run_dir_given, command_line});
}

}  // namespace forge
