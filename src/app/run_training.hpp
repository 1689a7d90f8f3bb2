// What train and resume share around the trainer: the settings the flags ask for, running the
// trainer from a position, and recording how the run ended (completed and why, interrupted
// by a signal, failed) in its manifest.
#pragma once

#include "app/loaded_run.hpp"
#include "train/checkpointer.hpp"
#include "train/trainer.hpp"

namespace forge {

// A run as its flags ask it to train: the loop's settings (sized for the run's train set and
// device), its callbacks (forge's own that the flags turn on — --ema_decay, --keep_best,
// --early_stopping, the learning-rate rows, the progress bar on a terminal — then the
// model's), and how its checkpoints are kept (--keep_checkpoints, --async_checkpoint).
struct TrainingPlan {
  TrainSettings settings;
  CallbackList callbacks;
  RunFolderCheckpointer::Options checkpoints;
  std::string tracking_uri;  // the MLflow server the run is sent to (tracking/tracking_uri.hpp); "": none
};

// Throws Error(ExitCode::usage) for values no run can follow (a --tracking_uri forge cannot use among them) and
// Error(ExitCode::plugin) when the model's callbacks fail or are misnamed, before any run folder is made. `group`: the
// run's data-parallel group, or null.
TrainingPlan training_plan(const Flags& flags, const LoadedRun& run,
                           std::shared_ptr<DataParallelGroup> group = nullptr);

// How splits from a Source are loaded, from --workers (-1: workers_for_this_machine()),
// --prefetch, --skip_bad_samples and the seed; a run recorded before these flags gets their
// defaults. Throws Error(ExitCode::usage) for a negative --workers below -1 or --prefetch < 1.
LoaderSettings loader_settings(const Flags& flags, torch::Device device);

// The batch size a run is evaluated in: --eval_batch_size, or its --batch_size when that is 0
// (a run recorded before the flag: the larger of its --batch_size and 256, as it was then).
int64_t evaluation_batch_size(const Flags& flags);

// --workers' default: as many loader threads as the machine has cores, at most 4.
int64_t workers_for_this_machine();

// Where a run's evaluations' tables go: tables/<split>/<name>-step-N.csv (runs/run_files.hpp).
TableWriter::PathOf run_table_paths(const std::string& run_dir);

// The trainer's outputs for the run folder: metrics.csv, a TensorBoard session starting at
// `first_step`, checkpoints into checkpoints/ — for the process that writes the run; none for
// the other data-parallel ranks.
TrainerOutputs run_folder_outputs(const std::string& run_dir, const TrainingPlan& plan, int64_t first_step);

// Trains the run from `start` (a new run's {} or what a checkpoint restored). Returns the exit
// code: 0 when completed, 128 + signal when interrupted. On failure records it and rethrows.
int run_training(const std::string& run_dir, LoadedRun& run, const TrainingPlan& plan, OptimizerSet& optimizers,
                 TrainingStart start);

// The model's optimizers (train/optimizer_set.hpp), with what --optimizer, --lr, --momentum,
// --weight_decay, --no_decay_bias_norm and the schedule in `settings` ask for where the model
// leaves it to them. Throws Error(ExitCode::usage) for bad settings.
OptimizerSet make_optimizer_set_from_flags(const Flags& flags, Model& model, const TrainSettings& settings);

}  // namespace forge
