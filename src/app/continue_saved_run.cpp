#include "app/continue_saved_run.hpp"

#include "app/checkpoint_choice.hpp"
#include "app/fine_tuning.hpp"
#include "app/process_settings.hpp"
#include "app/resume_check.hpp"
#include "app/run_flags.hpp"
#include "app/run_lifecycle.hpp"
#include "app/run_training.hpp"
#include "app/world_share.hpp"
#include "core/world_position.hpp"
#include "runs/manifest.hpp"
#include "runs/run_files.hpp"
#include "train/checkpoint.hpp"
#include "train/data_parallel.hpp"
#include "train/stop_signals.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

namespace forge {
namespace {

// The saved flags with what was given now over them; --force, --stop_after_steps and
// --stop_after_epochs apply to the resume that names them, never again.
// `repeated_batch_size`: the --batch_size the run was trained with, when it now continues on
// another number of processes (else 0).
Flags flags_for_resume(const SavedRun& run, const FlagSet& flag_set, const std::vector<std::string>& args,
                       int64_t repeated_batch_size, std::vector<std::string>& forced) {
  FlagSet set = flag_set;
  set.set_command("resume");
  Flags defaults = run.flags;
  defaults.set("stop_after_steps", "0");
  defaults.set("stop_after_epochs", "0");
  set.set_defaults(defaults);
  Flags flags = set.parse(args, find_flag_value(args, "config"));
  // The run's own --batch_size given again — the command line of a requeued job, or of workers
  // torchrun restarts on another number of nodes — is this process's share of the global batch.
  if (repeated_batch_size > 0 && flags.integer("batch_size") == repeated_batch_size)
    flags.set("batch_size", run.flags.text("batch_size"));
  forced = check_resume(resume_differences(run, flags), flags.boolean("force"));
  flags.set("force", "false");
  return flags;
}

// On another number of processes, each takes its share of the run's global batch: the saved
// --batch_size is read as that share, so that it counts as no change.
// Returns the --batch_size the run was trained with when the number of processes changed, else 0.
int64_t share_global_batch(SavedRun& run, int64_t world_size) {
  const int64_t saved = run.manifest.world_size;
  if (saved == world_size) return 0;
  const int64_t trained_with = run.flags.integer("batch_size");
  const int64_t share = batch_share(run.dir, saved, trained_with, world_size);
  if (world_size > 0 && world_from_environment().rank == 0)
    spdlog::info("{} continues on {} process(es) instead of {}: --batch_size {} each keeps its global batch of {}",
                 run.dir, world_size, saved, share, share * world_size);
  run.flags.set("batch_size", std::to_string(share));
  return trained_with;
}

}  // namespace

int continue_saved_run(const std::string& run_dir, const std::vector<std::string>& args,
                       const std::vector<std::string>& command_line) {
  const WorldPosition world = world_from_environment();
  std::unique_ptr<RunLock> lock;
  if (world.rank == 0) lock = std::make_unique<RunLock>(run_dir);  // the other ranks only train
  SavedRun run = open_saved_run(run_dir, switch_given(args, "force"));
  const FlagSet flag_set = train_flag_set(run.data_plugin, run.model_plugin);
  // A flag the run's record predates (declared by a newer forge or plugin) had its default's
  // effect — but for --eval_batch_size, whose effect then was another.
  if (!run.flags.has("eval_batch_size"))
    run.flags.set("eval_batch_size", std::to_string(evaluation_batch_size(run.flags)));
  for (const auto& name : flag_set.names())
    if (!run.flags.has(name)) run.flags.set(name, flag_set.spec(name).default_value);
  const int64_t repeated_batch_size = share_global_batch(run, world.world_size);
  std::vector<std::string> forced;
  Flags flags = flags_for_resume(run, flag_set, args, repeated_batch_size, forced);
  std::shared_ptr<DataParallelGroup> group = join_data_parallel_group(world, flags);
  const int threads = apply_process_settings(flags);
  LoadedRun loaded = load_run(run.data_plugin, run.model_plugin, flags);
  TrainingPlan plan = training_plan(flags, loaded, group);
  TrainSettings& settings = plan.settings;
  settings.evaluated_step = evaluated_step(run.manifest);
  const ChosenCheckpoint newest = newest_valid_checkpoint(run_dir);
  const int64_t step = newest.step;
  resume_fine_tuning(run_dir, flags, *loaded.model, step < 0);
  OptimizerSet optimizers = make_optimizer_set_from_flags(flags, *loaded.model, settings);
  TrainingStart start;
  if (step >= 0) {
    CheckpointSubject subject(loaded.model->module(), optimizers, {});
    start = restore_training(*newest.contents, checkpoint_path(run_dir, step), subject, loaded.device);
  }

  install_stop_handlers();
  if (!settings.writes_run()) return run_training(run_dir, loaded, plan, optimizers, std::move(start));
  reopen_run({run, flag_set, flags, command_line, threads, settings.loading.workers, step, forced, loaded.device.str(),
              settings.world_size()});
  if (step >= 0)
    spdlog::info("resuming {} from step {} (epoch {}, batch {})", run_dir, step, start.position.epoch + 1,
                 start.position.batch);
  else
    spdlog::warn("{} has no intact checkpoint; training it from the start", run_dir);
  return run_training(run_dir, loaded, plan, optimizers, std::move(start));
}

}  // namespace forge
