// Checkpoints of training: everything it needs to continue exactly where it stopped.
//
// A checkpoint holds model parameters and buffers, each optimizer's state, learning rates and
// count of steps (train/optimizer_state.hpp), the model's extra state (Model::save_extra), each
// callback's state by its name (forge/callback.hpp), the CPU generator's state (and the CUDA
// device's), and the training position
// (train/training_state.hpp). The learning-rate schedule needs nothing more:
// it is a function of the step. It is written to <run>/checkpoints/step-N.ckpt in the format of
// runs/checkpoint_frame.hpp, straight from the tensors' memory; a truncated or corrupted file is
// detected before anything is restored from it. Checkpoints of forge 0.1 (format 1) still load.
#pragma once

#include "runs/checkpoint_files.hpp"
#include "runs/checkpoint_frame.hpp"
#include "train/optimizer_set.hpp"
#include "train/optimizer_state.hpp"
#include "train/training_state.hpp"

#include <forge/callback.hpp>

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace forge {

// An optimizer as a checkpoint knows it: by name, with its count of steps.
struct OptimizerEntry {
  std::string name;
  torch::optim::Optimizer* optimizer;
  int64_t* steps = nullptr;  // null: its steps are the training position's
};

// What a checkpoint is taken of, and restored into.
struct CheckpointSubject {
  explicit CheckpointSubject(torch::nn::Module& module);  // the model alone: what evaluation loads
  // One optimizer, named "main", stepping with the position.
  CheckpointSubject(torch::nn::Module& module, torch::optim::Optimizer& optimizer);
  CheckpointSubject(torch::nn::Module& module, OptimizerSet& optimizers, std::map<std::string, torch::Tensor> extra);

  torch::nn::Module& module;
  std::vector<OptimizerEntry> optimizers;
  std::map<std::string, torch::Tensor> extra;      // Model::save_extra's
  std::map<std::string, CallbackState> callbacks;  // by callback name
};

// What training continues from: a position, and when it comes from a checkpoint, the model's
// extra state and the callbacks' states it holds. A new run starts from {}.
struct TrainingStart {
  TrainingPosition position;
  bool resumed = false;                              // restored from a checkpoint
  std::map<std::string, torch::Tensor> model_extra;  // for Model::load_extra, when resumed
  std::map<std::string, CallbackState> callbacks;    // by callback name
};

// What a checkpoint holds, taken from training: a record and named tensors, contiguous and on
// the CPU. Taken from the live model and optimizer its tensors are theirs, not copies: write it
// before training moves on (or copy it, as train/checkpointer.cpp does to write it while
// training goes on).
struct CheckpointState {
  nlohmann::json meta;
  NamedTensors tensors;
};

// The tensor `name` of a format-2 checkpoint, over the checkpoint's memory (which it keeps
// alive); undefined when there is none.
torch::Tensor checkpoint_tensor(const CheckpointContents& contents, const std::string& name);

// Copies of the tensors whose names start with `prefix`, by the rest of their names (none for
// a format-1 checkpoint).
std::map<std::string, torch::Tensor> checkpoint_tensors(const CheckpointContents& contents, const std::string& prefix);

// `device`: where training runs; a CUDA device's generator state is taken too, and tensors on
// it are copied to the CPU.
CheckpointState capture_checkpoint_state(const CheckpointSubject& subject, const TrainingPosition& position,
                                         torch::Device device = torch::kCPU);

// Writes `state` to `path` atomically. Throws Error naming the file when it cannot.
void write_checkpoint(const std::string& path, const CheckpointState& state);

// capture_checkpoint_state, then write_checkpoint.
void save_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                     const TrainingPosition& position, torch::Device device = torch::kCPU);

// Restores the subject's module onto `device`, its optimizers (matched by name) and the
// generators from a checkpoint read from `path`; returns its position with copies of the
// model's extra state and the callbacks' states. Throws Error(ExitCode::run) naming the file
// when it does not fit the model or the optimizers, or is damaged.
TrainingStart restore_training(const CheckpointContents& contents, const std::string& path, CheckpointSubject& subject,
                               torch::Device device = torch::kCPU);

// Restores the model onto `device` (and a run's only optimizer and the generators when
// `optimizer` is not null) from a checkpoint read from `path`. Throws as restore_training.
TrainingPosition load_checkpoint(const CheckpointContents& contents, const std::string& path, torch::nn::Module& model,
                                 torch::optim::Optimizer* optimizer, torch::Device device = torch::kCPU);

// Reads the checkpoint at `path` (read_checkpoint_file) and restores it as above.
TrainingPosition load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                                 torch::Device device = torch::kCPU);

// The callbacks' states a checkpoint holds, by name (copies). Checkpoints of forge before
// callbacks held --ema_decay's average, --keep_best's and --early_stopping's records
// elsewhere: they come back under those callbacks' names.
std::map<std::string, CallbackState> checkpoint_callback_states(const CheckpointContents& contents,
                                                                const std::string& path);

// The training position a checkpoint records, without a model to load it into (for format 2,
// from its header and index alone).
TrainingPosition read_checkpoint_position(const std::string& path);

// The same, of a checkpoint already read (from `path`, which errors name).
TrainingPosition checkpoint_position(const CheckpointContents& contents, const std::string& path);

}  // namespace forge
