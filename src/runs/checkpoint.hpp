// Checkpoint files: everything training needs to continue exactly where it stopped.
//
// A checkpoint holds model parameters and buffers, optimizer state and learning rates, the
// CPU generator's state, the epoch in progress and the next batch in it (the epoch's sample
// order is a function of the seed and the epoch), the global step, and the running sums of the
// epoch's training metrics, and what --keep_best and --early_stopping have seen so far. The
// learning-rate schedule needs nothing more: it is a function of the step.
//
// On disk: "FORGECKPT1\n", payload length (8 bytes, little endian), CRC-32 of the payload
// (4 bytes), payload (a torch archive). Written atomically to <run>/checkpoints/step-N.ckpt,
// so a crash never leaves a half-written checkpoint under its final name, and a truncated or
// corrupted file is detected before anything is restored from it.
#pragma once

#include "runs/checkpoint_files.hpp"
#include "train/metric_goal.hpp"

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace forge {

struct TrainingPosition {
  int64_t epoch = 0;  // the epoch in progress, from 0
  int64_t batch = 0;  // the next batch of that epoch
  int64_t step = 0;   // optimizer steps done in all
  std::map<std::string, double> epoch_sums;  // metric sums over the epoch's batches so far
  int64_t epoch_batches = 0;
  std::map<std::string, double> log_sums;  // metric sums since the last --log_every row
  int64_t log_batches = 0;
  GoalState best;   // --keep_best: its best_step is the checkpoint kept beside the newest
  GoalState early;  // --early_stopping
};

// `device`: where training runs; a CUDA device's generator state is saved too.
void save_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                     const TrainingPosition& position, torch::Device device = torch::kCPU);

// Checks the file's frame and checksum. Throws Error(ExitCode::run) naming the file when it is
// missing, truncated or corrupted.
void verify_checkpoint(const std::string& path);

// Restores the model onto `device` (and the optimizer and the generators when `optimizer` is
// not null). Throws Error(ExitCode::run) naming the file when it is missing, truncated,
// corrupted or does not fit the model.
TrainingPosition load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                                 torch::Device device = torch::kCPU);

// The training position a checkpoint records, without a model to load it into.
TrainingPosition read_checkpoint_position(const std::string& path);

}  // namespace forge
