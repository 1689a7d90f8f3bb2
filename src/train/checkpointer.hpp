// Where the trainer's checkpoints go. The trainer decides when to checkpoint; a checkpointer
// decides where, and what goes with it: the run's recorded progress and pruning older ones
// (Lightning's CheckpointIO has the same split). Tests hand the trainer one that keeps
// checkpoints in memory.
#pragma once

#include "train/checkpoint.hpp"
#include "train/training_state.hpp"

#include <torch/torch.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <thread>

namespace forge {

class Checkpointer {
 public:
  virtual ~Checkpointer() = default;

  // Saves the subject (model, optimizers, extra state) and position; pruning keeps `keep_step` (the checkpoint
  // --keep_best kept; -1: none) besides the newest. Throws Error naming what failed: the
  // checkpoint saved before stays intact.
  virtual void save(const CheckpointSubject& subject, const TrainingPosition& position, int64_t keep_step) = 0;

  // Returns once every checkpoint that save() began is on disk; throws the error that stopped
  // one. A checkpointer that writes in the background finishes there; others have nothing to do.
  virtual void wait() {}

  // True once a checkpoint begun in the background has failed: the trainer then stops at the
  // step boundary it stands on (wait() throws the error), as it does when a synchronous write
  // fails, rather than training on to the next checkpoint.
  virtual bool failed() const { return false; }
};

// Checkpoints into <run>/checkpoints (train/checkpoint.hpp), records each one's step in the
// manifest's progress, and keeps the newest `keep_checkpoints` of them (0: all).
//
// Asynchronous (--async_checkpoint): save() copies the state into memory kept from one
// checkpoint to the next and returns; a thread writes the copy, then prunes, while training
// goes on. One write at a time: the next save() (and wait()) first waits for the one in flight,
// then records its progress. A checkpoint counts once its file is renamed into place, so a kill
// at any moment leaves the newest complete one. A write that fails is logged when it fails and
// reported through failed().
class RunFolderCheckpointer : public Checkpointer {
 public:
  struct Options {
    torch::Device device = torch::kCPU;  // where training runs: its generator is saved too
    int64_t keep_checkpoints = 3;
    int64_t epochs = 0;     // asked for, recorded with the progress
    int64_t max_steps = 0;  // likewise; 0: none
    bool asynchronous = false;
  };
  RunFolderCheckpointer(std::string run_dir, Options options);
  // Waits for a write in flight (and records it when it succeeded): a run that fails for
  // another reason still keeps the checkpoint it was writing.
  ~RunFolderCheckpointer() override;
  RunFolderCheckpointer(const RunFolderCheckpointer&) = delete;
  RunFolderCheckpointer& operator=(const RunFolderCheckpointer&) = delete;

  void save(const CheckpointSubject& subject, const TrainingPosition& position, int64_t keep_step) override;
  void wait() override;
  bool failed() const override { return failed_.load(); }

 private:
  // A checkpoint written (or being written): what recording and pruning it needs.
  struct Written {
    std::string path;
    TrainingPosition position;
    int64_t keep_step;
    double stall_ms;  // how long training waited
    double write_ms = 0;
  };

  // The log line of a checkpoint on disk: how long training waited, how long the write took.
  void log_written(const Written& written) const;
  // Records its step in the manifest's progress (on the training thread, which writes the
  // manifest too).
  void record(const Written& written) const;
  // Keeps the newest `keep_checkpoints` up to `written` (the one just written, always kept)
  // and `keep_step`.
  void prune(int64_t written, int64_t keep_step) const;

  std::string run_dir_;
  Options options_;
  CheckpointState copy_;  // asynchronous: the state being written, its memory reused
  std::optional<Written> in_flight_;
  std::exception_ptr write_error_;
  std::atomic<bool> failed_{false};  // write_error_ is set: the writer's news, read at each step
  std::thread writer_;
};

}  // namespace forge
