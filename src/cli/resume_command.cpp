// forge resume: continue a run from its newest intact checkpoint, using only the run folder
// (app/continue_saved_run.hpp), or start the data-parallel workers that do.
#include "app/continue_saved_run.hpp"
#include "app/run_flags.hpp"
#include "app/train_flags.hpp"
#include "app/world_share.hpp"
#include "cli/command_help.hpp"
#include "cli/commands.hpp"
#include "cli/worker_launch.hpp"
#include "core/world_position.hpp"
#include "runs/manifest.hpp"
#include "runs/run_dir.hpp"
#include "runs/run_lock.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

namespace forge {
namespace {

const char* usage =
    "usage: forge resume RUN_DIR [--epochs N] [--force] [flags]\n"
    "Continues the run from its newest intact checkpoint with its saved plugins and flags.\n"
    "--epochs, --max_steps (unless the --lr_schedule is cosine or onecycle, whose shape\n"
    "follows the run's length), --log_every, --checkpoint_every, --keep_checkpoints,\n"
    "--keep_best, --early_stopping, --eval_every_steps, --eval_test_every, --eval_batch_size,\n"
    "--no_progress, --stop_after_steps, --stop_after_epochs, --async_checkpoint, --workers, --prefetch,\n"
    "--sample_timeout, --skip_bad_samples, --tracking_uri, --max_restarts and the data-parallel rendezvous\n"
    "(--node_rank, --master_addr, --master_port, --dist_timeout) change freely; changing any other flag (or\n"
    "resuming with a changed plugin library or libtorch) would not continue the run exactly\n"
    "and needs --force.\n"
    "On another number of processes (--nproc_per_node, --nnodes, another launcher's WORLD_SIZE) each\n"
    "process takes an equal share of the run's global batch (processes x --batch_size), which must divide.\n";

}  // namespace

int resume_command(const Args& args, const Args& command_line) {
  // The run's plugins declare the rest of its flags: RUN_DIR comes first, and what follows is
  // read once the run is open, by the same parser with all of them (continue_saved_run).
  FlagSet syntax = forge_flag_set();
  syntax.set_command("resume");
  syntax.take_operands({"RUN_DIR"}, 1);
  syntax.forward_undeclared();
  if (!read_command_line(args, usage, syntax)) return 0;
  if (args[0].rfind("-", 0) == 0)
    throw Error(ExitCode::usage, "forge resume takes RUN_DIR first: forge resume RUN_DIR [flags]");
  const std::string& run_dir = args[0];
  require_run_dir(run_dir);
  const Args rest(args.begin() + 1, args.end());
  if (world_from_environment().rank == 0 && record_crash_if_dead(run_dir))
    spdlog::warn("{} was left running by a process that died; resuming it", run_dir);
  // A data-parallel run: this process starts its workers (which take the lock) and waits.
  Flags launch_flags = read_saved_flags(run_dir);
  for (const char* name : {"nproc_per_node", "nnodes", "node_rank", "master_addr", "master_port", "max_restarts"}) {
    const std::string given = find_flag_value(rest, name);
    if (!given.empty()) launch_flags.set(name, given);
  }
  WorkerLaunch launch = worker_launch_from(launch_flags);
  launch.run_dir = run_dir;
  if (should_launch_workers(launch)) {
    // Refused here rather than by every worker: a number of processes the global batch does not divide.
    batch_share(run_dir, read_manifest(run_dir).world_size, launch_flags.integer("batch_size"),
                int64_t(launch.nproc_per_node) * launch.nnodes);
    return launch_workers(command_line, launch);
  }
  return continue_saved_run(run_dir, rest, command_line);
}

}  // namespace forge
