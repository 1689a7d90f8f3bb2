// Where the trainer's checkpoints go. The trainer decides when to checkpoint; a checkpointer
// decides where, and what goes with it: the run's recorded progress and pruning older ones
// (Lightning's CheckpointIO has the same split). Tests hand the trainer one that keeps
// checkpoints in memory.
#pragma once

#include "train/training_state.hpp"

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace forge {

class Checkpointer {
 public:
  virtual ~Checkpointer() = default;

  // Saves model, optimizer and position; pruning keeps `keep_step` (the checkpoint
  // --keep_best kept; -1: none) besides the newest. Throws Error naming what failed: the
  // checkpoint saved before stays intact.
  virtual void save(torch::nn::Module& model, torch::optim::Optimizer& optimizer, const TrainingPosition& position,
                    int64_t keep_step) = 0;
};

// Checkpoints into <run>/checkpoints (train/checkpoint.hpp), records each one's step in the
// manifest's progress, and keeps the newest `keep_checkpoints` of them (0: all).
class RunFolderCheckpointer : public Checkpointer {
 public:
  struct Options {
    torch::Device device = torch::kCPU;  // where training runs: its generator is saved too
    int64_t keep_checkpoints = 3;
    int64_t epochs = 0;     // asked for, recorded with the progress
    int64_t max_steps = 0;  // likewise; 0: none
  };
  RunFolderCheckpointer(std::string run_dir, Options options);

  void save(torch::nn::Module& model, torch::optim::Optimizer& optimizer, const TrainingPosition& position,
            int64_t keep_step) override;

 private:
  // Keeps the newest `keep_checkpoints` up to `written` (the one just written, always kept)
  // and `keep_step`.
  void prune(int64_t written, int64_t keep_step) const;

  std::string run_dir_;
  Options options_;
};

}  // namespace forge
