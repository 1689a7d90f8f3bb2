// Callbacks: code run at the moments of the training loop, with resumable state of its own.
// A model plugin returns its callbacks from Model::callbacks(); forge's own --ema_decay,
// --keep_best, --early_stopping, the learning-rate rows and the progress bar are callbacks too.
//
// Every checkpoint holds each callback's state() under its name, and a resumed run gives it
// back through load_state() before on_fit_start, so a callback whose state changes what it does
// (a running average, a counter, a schedule of its own) resumes exactly: `forge check-resume`
// compares it with the rest of the run.
//
// Example (a model's callbacks(): a smoothed training loss, logged every step):
//   class SmoothedLoss : public forge::Callback {
//    public:
//     std::string name() const override { return "smoothed_loss"; }
//     void on_train_step_end(forge::Loop& loop, const std::map<std::string, double>& metrics) override {
//       value_ = value_ == 0 ? metrics.at("loss") : 0.9 * value_ + 0.1 * metrics.at("loss");
//       loop.log("train", {{"smoothed_loss", value_}});
//     }
//     forge::CallbackState state() const override { return {{}, {{"value", value_}}, {}}; }
//     void load_state(const forge::CallbackState& saved) override { value_ = saved.numbers.at("value"); }
//    private:
//     double value_ = 0;
//   };
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace forge {

class Model;  // forge/model.hpp

// What a callback keeps between checkpoints. Tensors are saved bit for bit; numbers exactly
// (NaN and infinities too); texts as they are.
struct CallbackState {
  std::map<std::string, torch::Tensor> tensors;
  std::map<std::string, double> numbers;
  std::map<std::string, std::string> texts;

  bool empty() const { return tensors.empty() && numbers.empty() && texts.empty(); }
};

// The loop as a callback sees it at each moment, and what it may ask of it.
class Loop {
 public:
  virtual ~Loop() = default;

  virtual int64_t step() const = 0;   // optimizer steps done in all
  virtual int64_t epoch() const = 0;  // the epoch in progress (or just trained), from 1
  virtual int64_t batch() const = 0;  // mini-batches of that epoch done
  virtual int64_t batches_per_epoch() const = 0;
  virtual int64_t epochs() const = 0;     // --epochs; 0 when --max_steps bounds the run
  virtual int64_t max_steps() const = 0;  // --max_steps; 0: none
  // Data-parallel: this process's rank and the number of processes (0 and 1 alone). Every
  // rank runs every callback; only rank 0 writes the run (its rows, its checkpoints).
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // True once the run is past its last checkpoint: during the final test evaluation and
  // on_fit_end. State changed then is not saved.
  virtual bool finishing() const = 0;

  virtual Model& model() = 0;
  // The run's optimizers by name (Model::configure_optimizers', or "main"), in order.
  virtual std::vector<std::pair<std::string, torch::optim::Optimizer*>> optimizers() = 0;
  // The means of this epoch's training metrics so far (the train_epoch rows at its end).
  virtual std::map<std::string, double> epoch_means() const = 0;

  // Rows of metrics.csv (and TensorBoard) at the current step, under `split` ("train",
  // "valid", or a name of the callback's own). Written by rank 0 only.
  virtual void log(const std::string& split, const std::map<std::string, double>& metrics) = 0;
  // Ends the run once this moment is over, as completed, for `reason` (what --early_stopping
  // does). The current step's checkpoint is written first; the final test evaluation follows.
  // Data-parallel, every rank must decide alike: from what every rank sees (an evaluation's
  // results, a step's metrics), never from its own shard.
  virtual void stop(const std::string& reason) = 0;
  // Keeps the checkpoint of `step` when older checkpoints are pruned (what --keep_best does);
  // -1: none. Holds until called again.
  virtual void keep_checkpoint(int64_t step) = 0;
};

class Callback {
 public:
  virtual ~Callback() = default;

  // Its key in every checkpoint: unique in the run, 1 to 64 letters, digits, '_' and '-'.
  // forge's own are ema, keep_best, early_stopping, learning_rates and progress_bar.
  virtual std::string name() const = 0;

  // Before this process's first step: a new run's, or a resumed run's after load_state().
  virtual void on_fit_start(Loop& /*loop*/) {}
  // The run completed (all epochs, --max_steps, or a stop()), after its final evaluation. Not
  // called when a signal or a failure ends it.
  virtual void on_fit_end(Loop& /*loop*/) {}

  // Before the first batch of a training epoch (split "train"; a resumed run calls it for the
  // epoch it resumes in) or of an evaluation (split "valid" or "test").
  virtual void on_epoch_start(Loop& /*loop*/, const std::string& /*split*/) {}
  // After the epoch's last batch: for "train", the epoch's mean metrics, before it is evaluated;
  // for "valid" and "test", the evaluation's results (every rank gets the whole set's).
  virtual void on_epoch_end(Loop& /*loop*/, const std::string& /*split*/,
                            const std::map<std::string, double>& /*metrics*/) {}

  // After each optimizer step, with the step's metrics (the mean over its mini-batches and,
  // data-parallel, over the ranks).
  virtual void on_train_step_end(Loop& /*loop*/, const std::map<std::string, double>& /*metrics*/) {}

  // Just before a checkpoint is taken, on every rank (rank 0 writes it).
  virtual void before_checkpoint(Loop& /*loop*/) {}

  // What every checkpoint keeps of it, and what a resumed run gives back (before
  // on_fit_start; not called when the checkpoint holds nothing of it, a callback new to the run).
  virtual CallbackState state() const { return {}; }
  virtual void load_state(const CallbackState& /*saved*/) {}
};

}  // namespace forge
