// Reading checkpoints of format 1 (forge 0.1): a torch archive (torch::serialize) of model,
// optimizer, generators and position. forge writes format 2 now (train/checkpoint.hpp); runs
// trained before still resume, evaluate and export. libtorch's importer reads these archives,
// and it is not hardened against hostile files (docs/safety.md).
#pragma once

#include "train/metric_goal.hpp"
#include "train/training_state.hpp"

#include <torch/torch.h>

#include <string>
#include <utility>

namespace forge {

// Restores model (and optimizer and generators when `optimizer` is not null) from the archive
// of the checkpoint at `path`. Throws Error(ExitCode::run) naming the file.
TrainingPosition load_checkpoint_v1(const std::string& archive, const std::string& path, torch::nn::Module& model,
                                    torch::optim::Optimizer* optimizer, torch::Device device);

// The position the archive records.
TrainingPosition checkpoint_v1_position(const std::string& archive, const std::string& path);

// What --keep_best and --early_stopping had seen (the checkpoint kept them beside the position).
std::pair<GoalState, GoalState> checkpoint_v1_goals(const std::string& archive, const std::string& path);

}  // namespace forge
