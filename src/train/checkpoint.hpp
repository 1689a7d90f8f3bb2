// Checkpoints of training: everything it needs to continue exactly where it stopped.
//
// A checkpoint holds model parameters and buffers, optimizer state and learning rates, the
// CPU generator's state (and the CUDA device's), and the training position
// (train/training_state.hpp). The learning-rate schedule needs nothing more: it is a function
// of the step. The payload is a torch archive inside the frame of runs/checkpoint_frame.hpp,
// written atomically to <run>/checkpoints/step-N.ckpt; a truncated or corrupted file is
// detected before anything is restored from it.
#pragma once

#include "runs/checkpoint_files.hpp"
#include "runs/checkpoint_frame.hpp"
#include "train/training_state.hpp"

#include <torch/torch.h>

#include <string>

namespace forge {

// `device`: where training runs; a CUDA device's generator state is saved too.
void save_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                     const TrainingPosition& position, torch::Device device = torch::kCPU);

// Restores the model onto `device` (and the optimizer and the generators when `optimizer` is
// not null). Throws Error(ExitCode::run) naming the file when it is missing, truncated,
// corrupted or does not fit the model.
TrainingPosition load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                                 torch::Device device = torch::kCPU);

// The training position a checkpoint records, without a model to load it into.
TrainingPosition read_checkpoint_position(const std::string& path);

}  // namespace forge
