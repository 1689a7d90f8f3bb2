// Checkpoints of training: everything it needs to continue exactly where it stopped.
//
// A checkpoint holds model parameters and buffers, optimizer state and learning rates
// (train/optimizer_state.hpp), the CPU generator's state (and the CUDA device's), and the
// training position (train/training_state.hpp). The learning-rate schedule needs nothing more:
// it is a function of the step. It is written to <run>/checkpoints/step-N.ckpt in the format of
// runs/checkpoint_frame.hpp, straight from the tensors' memory; a truncated or corrupted file is
// detected before anything is restored from it. Checkpoints of forge 0.1 (format 1) still load.
#pragma once

#include "runs/checkpoint_files.hpp"
#include "runs/checkpoint_frame.hpp"
#include "train/optimizer_state.hpp"
#include "train/training_state.hpp"

#include <torch/torch.h>

#include <string>

namespace forge {

// What a checkpoint holds, taken from training: a record and named tensors, contiguous and on
// the CPU. Taken from the live model and optimizer its tensors are theirs, not copies: write it
// before training moves on (or copy it, as train/checkpointer.cpp does to write it while
// training goes on).
struct CheckpointState {
  nlohmann::json meta;
  NamedTensors tensors;
};

// `device`: where training runs; a CUDA device's generator state is taken too, and tensors on
// it are copied to the CPU.
CheckpointState capture_checkpoint_state(torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                                         const TrainingPosition& position, torch::Device device = torch::kCPU);

// Writes `state` to `path` atomically. Throws Error naming the file when it cannot.
void write_checkpoint(const std::string& path, const CheckpointState& state);

// capture_checkpoint_state, then write_checkpoint.
void save_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                     const TrainingPosition& position, torch::Device device = torch::kCPU);

// Restores the model onto `device` (and the optimizer and the generators when `optimizer` is
// not null) from a checkpoint read from `path`. Throws Error(ExitCode::run) naming the file when
// it does not fit the model, or is damaged.
TrainingPosition load_checkpoint(const CheckpointContents& contents, const std::string& path, torch::nn::Module& model,
                                 torch::optim::Optimizer* optimizer, torch::Device device = torch::kCPU);

// Reads the checkpoint at `path` (read_checkpoint_file) and restores it as above.
TrainingPosition load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                                 torch::Device device = torch::kCPU);

// The training position a checkpoint records, without a model to load it into (for format 2,
// from its header and index alone).
TrainingPosition read_checkpoint_position(const std::string& path);

// The same, of a checkpoint already read (from `path`, which errors name).
TrainingPosition checkpoint_position(const CheckpointContents& contents, const std::string& path);

}  // namespace forge
