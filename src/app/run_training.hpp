// What train and resume share around the trainer: the settings the flags ask for, running the
// trainer from a position, and recording how the run ended (completed and why, interrupted
// by a signal, failed) in its manifest.
#pragma once

#include "app/loaded_run.hpp"
#include "train/trainer.hpp"

namespace forge {

// The trainer's settings from the flags, sized for `run` (its train set and device). Throws
// Error(ExitCode::usage) for values no run can follow, before any run folder is made.
// `group`: the run's data-parallel group, or null.
TrainSettings train_settings(const Flags& flags, const LoadedRun& run,
                             std::shared_ptr<DataParallelGroup> group = nullptr);

// How splits from a Source are loaded, from --workers (-1: workers_for_this_machine()),
// --prefetch, --skip_bad_samples and the seed; a run recorded before these flags gets their
// defaults. Throws Error(ExitCode::usage) for a negative --workers below -1 or --prefetch < 1.
LoaderSettings loader_settings(const Flags& flags, torch::Device device);

// --workers' default: as many loader threads as the machine has cores, at most 4.
int64_t workers_for_this_machine();

// Returns the exit code: 0 when completed, 128 + signal when interrupted. On failure records
// it and rethrows.
// The trainer's outputs for the run folder: metrics.csv, a TensorBoard session starting at
// `first_step`, checkpoints into checkpoints/ — for the process that writes the run; none for
// the other data-parallel ranks.
TrainerOutputs run_folder_outputs(const std::string& run_dir, const TrainSettings& settings, int64_t first_step);

int run_training(const std::string& run_dir, LoadedRun& run, const TrainSettings& settings, OptimizerSet& optimizers,
                 const TrainingPosition& start);

// The model's optimizers (train/optimizer_set.hpp), with what --optimizer, --lr, --momentum,
// --weight_decay, --no_decay_bias_norm and the schedule in `settings` ask for where the model
// leaves it to them. Throws Error(ExitCode::usage) for bad settings.
OptimizerSet make_optimizer_set_from_flags(const Flags& flags, Model& model, const TrainSettings& settings);

}  // namespace forge
