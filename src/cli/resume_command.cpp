// forge resume: continue a run from its newest intact checkpoint, using only the run folder.
// Flags given now are compared with the saved ones (see resume_check.hpp).
#include "cli/commands.hpp"
#include "cli/resume_check.hpp"
#include "cli/run_training.hpp"
#include "cli/worker_launch.hpp"
#include "core/logging.hpp"
#include "metrics/metrics_log.hpp"
#include "runs/checkpoint_choice.hpp"
#include "runs/run_dir.hpp"
#include "runs/run_lock.hpp"
#include "train/stop_signals.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>
#include <spdlog/spdlog.h>

#include <optional>

namespace forge {
namespace {

const char* usage =
    "usage: forge resume RUN_DIR [--epochs N] [--force] [flags]\n"
    "Continues the run from its newest intact checkpoint with its saved plugins and flags.\n"
    "--epochs, --max_steps (unless the --lr_schedule is cosine or onecycle, whose shape\n"
    "follows the run's length), --log_every, --checkpoint_every, --keep_checkpoints,\n"
    "--keep_best, --early_stopping, --eval_every_steps, --eval_test_every, --no_progress,\n"
    "--stop_after_steps and the data-parallel rendezvous (--node_rank, --master_addr,\n"
    "--master_port, --dist_timeout) change freely; changing any other flag (or resuming with a\n"
    "changed plugin library or libtorch) would not continue the run exactly and needs --force.\n"
    "A data-parallel run resumes with the same number of processes (its workers are started again).\n";

FlagSet forge_flags_only() {
  FlagSet set;
  set.declare(train_flags(), "forge");
  return set;
}

// Leftovers of writes a killed process never finished (see write_file_atomically).
void remove_stale_temp_files(const std::string& run_dir) {
  namespace fs = boost::filesystem;
  for (const auto& dir : {fs::path(run_dir), fs::path(run_dir) / "checkpoints"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().filename().string().find(".tmp.") != std::string::npos) fs::remove(entry.path());
  }
}

}  // namespace

int resume_command(const Args& args, const Args& command_line) {
  if (print_run_command_help(args, usage, forge_flags_only())) return 0;
  const std::string& run_dir = args[0];
  require_run_dir(run_dir);
  Args rest(args.begin() + 1, args.end());
  const WorldPosition world = world_from_environment();
  if (world.rank == 0 && record_crash_if_dead(run_dir))
    spdlog::warn("{} was left running by a process that died; resuming it", run_dir);
  // A data-parallel run: this process starts its workers (which take the lock) and waits.
  Flags launch_flags = read_saved_flags(run_dir);
  for (const char* name : {"nproc_per_node", "nnodes", "node_rank", "master_addr", "master_port"}) {
    const std::string given = find_flag_value(rest, name);
    if (!given.empty()) launch_flags.set(name, given);
  }
  const WorkerLaunch launch = worker_launch_from(launch_flags);
  if (should_launch_workers(launch)) return launch_workers(command_line, launch);
  std::optional<RunLock> lock;
  if (world.rank == 0) lock.emplace(run_dir);  // the other ranks of a data-parallel run only train
  SavedRun run = open_saved_run(run_dir);

  FlagSet flag_set = train_flag_set(run.data_plugin, run.model_plugin);
  Flags defaults = run.flags;
  defaults.set("stop_after_steps", "0");  // a stop asked for once is not asked again
  flag_set.set_defaults(defaults);
  Flags flags = flag_set.parse(rest, find_flag_value(rest, "config"));
  std::vector<std::string> forced = check_resume(resume_differences(run, flags), flags.boolean("force"));
  flags.set("force", "false");  // a --force applies to this resume only

  std::shared_ptr<DataParallelGroup> group = join_data_parallel_group(flags);
  const int64_t saved_world = run.manifest.value("world_size", int64_t{1});
  if (saved_world != world.world_size)
    throw Error(ExitCode::usage, "run " + run_dir + " was trained by " + std::to_string(saved_world) +
                                     " data-parallel process(es); resume it with as many (now " +
                                     std::to_string(world.world_size) + "), e.g. --nproc_per_node " +
                                     std::to_string(saved_world));
  int threads = apply_process_settings(flags);
  LoadedRun loaded = load_run(run.data_plugin, run.model_plugin, flags);
  TrainSettings settings = train_settings(flags, loaded, group);
  auto optimizer = make_optimizer_from_flags(flags, *loaded.model);
  TrainingPosition position;
  int64_t step = newest_valid_checkpoint(run_dir);
  if (step >= 0)
    position = load_checkpoint(checkpoint_path(run_dir, step), loaded.model->module(), optimizer.get(), loaded.device);

  install_stop_handlers();
  if (!settings.writes_run()) return run_training(run_dir, loaded, settings, *optimizer, position);
  add_log_file(run_dir + "/log.txt");
  if (step >= 0)
    spdlog::info("resuming {} from step {} (epoch {}, batch {})", run_dir, step, position.epoch + 1, position.batch);
  else
    spdlog::warn("{} has no intact checkpoint; training it from the start", run_dir);
  remove_stale_temp_files(run_dir);
  MetricsLog::truncate_after(run_dir, std::max<int64_t>(step, 0));
  write_json_atomically(run_dir + "/flags.json", flags_to_json(flag_set, flags));
  json& manifest = run.manifest;
  manifest["status"] = "running";
  manifest["reason"] = "";
  manifest["ended"] = nullptr;
  record_this_process(manifest);
  manifest["resumes"].push_back({{"started", now_iso8601()}, {"command_line", command_line},
                                 {"from_step", step}, {"threads", threads}, {"forced", forced}});
  manifest["device"] = loaded.device.str();
  manifest["world_size"] = settings.world_size();
  write_json_atomically(run_dir + "/manifest.json", manifest);
  return run_training(run_dir, loaded, settings, *optimizer, position);
}

}  // namespace forge
