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

// Returns the exit code: 0 when completed, 128 + signal when interrupted. On failure records
// it and rethrows.
// The trainer's outputs for the run folder: metrics.csv, a TensorBoard session starting at
// `first_step`, checkpoints into checkpoints/ — for the process that writes the run; none for
// the other data-parallel ranks.
TrainerOutputs run_folder_outputs(const std::string& run_dir, const TrainSettings& settings, int64_t first_step);

int run_training(const std::string& run_dir, LoadedRun& run, const TrainSettings& settings,
                 torch::optim::Optimizer& optimizer, const TrainingPosition& start);

// The optimizer --optimizer, --lr, --momentum and --weight_decay ask for. Throws
// Error(ExitCode::usage) for bad settings.
std::unique_ptr<torch::optim::Optimizer> make_optimizer_from_flags(const Flags& flags, Model& model);

}  // namespace forge
