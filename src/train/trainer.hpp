// The training loop. Each step takes the next --accumulate mini-batches of the epoch's
// shuffled order of `train` (a stream: its own order) — gathered from memory, or made ahead by
// the loader's threads (train/batch_loader.hpp) — (gradients summed, losses scaled), clips the
// gradient norm when asked, and steps every optimizer at its schedule's learning rate; a
// manually optimized model steps them itself, through a StepControl (train/manual_control.hpp).
// Around it: a log line every --log_every steps; evaluations on `valid` at each epoch's end and
// every --eval_every_steps, on `test` every --eval_test_every epochs and once at the end;
// checkpoints at each epoch's end, after each mid-epoch evaluation, every --checkpoint_every
// steps and on SIGUSR1. Callbacks (forge/callback.hpp) are called at each of these moments:
// --ema_decay, --keep_best, --early_stopping, the learning-rate rows and the progress bar are
// callbacks (train/builtin_callbacks.hpp), as are a model's own.
#pragma once

#include <forge/model.hpp>

#include "metrics/image_writer.hpp"
#include "metrics/metric_sink.hpp"
#include "metrics/table_writer.hpp"
#include "train/batch_loader.hpp"
#include "train/callback_list.hpp"
#include "train/checkpointer.hpp"
#include "train/data_parallel.hpp"
#include "train/lr_schedule.hpp"
#include "train/mixed_precision.hpp"
#include "train/optimizer_set.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace forge {

struct TrainSettings {
  int64_t epochs = 1;
  int64_t batch_size = 32;
  int64_t eval_batch_size = 32;  // the batches valid and test are evaluated in
  bool drop_last = false;        // the default plan leaves out an epoch's last, shorter batch
  int64_t log_every = 100;
  bool log_to_file_only = false;  // a progress bar is on the terminal: the --log_every lines go only to log.txt
  int64_t seed = 0;
  int64_t checkpoint_every = 0;   // steps between checkpoints; 0: only at the end of each epoch
  int64_t stop_after_steps = 0;   // stop (as if interrupted) once the global step reaches it; 0: never
  int64_t stop_after_epochs = 0;  // stop (as if interrupted) at the end of this epoch, before the last; 0: never
  int64_t max_steps = 0;          // train this many optimizer steps, whatever --epochs says; 0: epochs decide
  int64_t accumulate = 1;         // mini-batches per optimizer step
  double clip_grad_norm = 0;      // 0: no clipping
  int64_t eval_every_steps = 0;   // also evaluate `valid` every N steps; 0: at epoch ends only
  int64_t eval_test_every = 0;    // evaluate `test` every N epochs too; 0: only at the end
  LrSchedule schedule;            // total_steps is filled in by the trainer
  // The step whose end-of-run evaluation the run's record already holds (a completed run
  // resumed), so it is not repeated; -1: none. A run stopped after its last step but before
  // that evaluation (a crash, a signal) is evaluated when resumed.
  int64_t evaluated_step = -1;
  torch::Device device = torch::kCPU;
  Precision precision = Precision::fp32;  // --precision
  // Data-parallel: this process's group, null when it trains alone. batch_size is per rank: a
  // step takes group->size() x batch_size samples. Only rank 0 writes checkpoints and metrics.
  std::shared_ptr<DataParallelGroup> group;
  // How splits that come from a Source are loaded: --workers, --prefetch, --skip_bad_samples.
  LoaderSettings loading;

  int64_t world_size() const { return group ? group->size() : 1; }
  bool writes_run() const { return !group || group->rank() == 0; }
};

enum class TrainOutcome { completed, interrupted };

struct TrainResult {
  TrainOutcome outcome = TrainOutcome::completed;
  std::string reason;  // why it ended, for the manifest
  int signal = 0;      // interrupted: the signal that stopped it (0: --stop_after_steps, or `reason`)
  int64_t step = 0;    // completed: the step it ended at, whose end-of-run evaluation is done
};

// The global batches of epoch `epoch` (from 0) of `train`, each the indices of its samples (a
// stream's: its positions, in order): the data's own plan (Dataset::planner), else the epoch's
// shuffled order (a function of the seed and the epoch only) cut into batches of --batch_size ×
// processes, the last one shorter or left out (--drop_last). A stream is told first how it will
// be read (Stream::prepare). Throws Error(ExitCode::data) for a plan with an empty batch or an
// index outside the split.
std::vector<torch::Tensor> plan_epoch(const Dataset& train, const TrainSettings& settings, int64_t epoch);

// Mini-batches in an epoch of `train` (its first's: every epoch must have as many).
int64_t batches_per_epoch(const Dataset& train, const TrainSettings& settings);

// Optimizer steps in an epoch of `train` (--accumulate mini-batches each).
int64_t steps_per_epoch(const Dataset& train, const TrainSettings& settings);

// Throws Error(ExitCode::usage) when the settings cannot work with this data and model
// (--eval_every_steps without a valid set, --accumulate with a manually optimized model),
// before any run folder is made.
void check_train_settings(const TrainSettings& settings, const DataMap& data, const Model& model);

// What the trainer reports to and checkpoints through; it knows no paths. Data-parallel ranks
// other than 0 get none: rank 0 writes for the run.
struct TrainerOutputs {
  std::vector<std::shared_ptr<MetricSink>> sinks;
  std::shared_ptr<Checkpointer> checkpointer;  // null: this process writes no checkpoints
  std::shared_ptr<ImageWriter> images;         // null: the model's epoch images are not drawn
  std::shared_ptr<TableWriter> tables;         // null: evaluations' tables are not kept
};

// The trainer is the Loop its callbacks see.
class Trainer : private Loop {
 public:
  Trainer(Model& model, const DataMap& data, OptimizerSet& optimizers, TrainSettings settings, TrainerOutputs outputs,
          CallbackList callbacks = {});

  // Trains from `start` to the end: --epochs (or --max_steps) done, or a callback's stop()
  // (early stopping). A resumed start gives the model its extra state and the callbacks
  // theirs first. When a stop signal arrives (or stop_after_steps is reached), finishes the
  // current step, checkpoints and returns interrupted.
  TrainResult run(TrainingStart start);

  // The sample order of `epoch`: a function of the seed and the epoch only, so a resumed run
  // sees the same order as an uninterrupted one.
  static torch::Tensor epoch_order(int64_t samples, int64_t seed, int64_t epoch);

 private:
  // Loop, as callbacks see it.
  int64_t step() const override { return current_->step; }
  int64_t epoch() const override;
  int64_t batch() const override { return current_->batch; }
  int64_t batches_per_epoch() const override { return batches_; }
  int64_t epochs() const override { return settings_.max_steps > 0 ? 0 : settings_.epochs; }
  int64_t max_steps() const override { return settings_.max_steps; }
  int rank() const override { return settings_.group ? int(settings_.group->rank()) : 0; }
  int world_size() const override { return int(settings_.world_size()); }
  bool finishing() const override { return finishing_; }
  Model& model() override { return model_; }
  std::vector<std::pair<std::string, torch::optim::Optimizer*>> optimizers() override;
  std::map<std::string, double> epoch_means() const override;
  void log(const std::string& split, const std::map<std::string, double>& metrics) override;
  void stop(const std::string& reason) override;
  void keep_checkpoint(int64_t step) override { kept_step_ = step; }

  // The epoch's plan, its loader, its clock, and the callbacks told.
  void begin_epoch(const TrainingPosition& position);
  // What follows a step: its checkpoint, evaluation or the epoch's end, as due; the run's end
  // when a signal, --stop_after_steps or a callback asks for it.
  std::optional<TrainResult> after_step(TrainingPosition& position);
  // One optimizer step; returns its metrics (the mean over its mini-batches).
  std::map<std::string, double> train_step(TrainingPosition& position);
  // This rank's part [from, to) of the epoch's mini-batch `b` (of `total` samples over all ranks).
  struct Share {
    int64_t from, to, total;
  };
  Share share_of(int64_t b) const;
  // This rank's samples of the epoch's mini-batch `b`.
  torch::Tensor share_indices(int64_t b) const;
  // A split from a Source: the loader of the epoch's batches from position.batch on.
  void start_loader(const TrainingPosition& position);
  // The step's `count` batches from the loader, got before any is trained: a bad sample stops
  // the run at a step boundary, after a checkpoint of the position before it.
  std::vector<LoadedBatch> load_step(int64_t count, TrainingPosition& position);
  // One mini-batch of a step: its loss backpropagated with `share`, its metrics returned.
  StepOutput train_batch(const Batch& batch, double share, TrainingPosition& position);
  // Data-parallel: sums the ranks' stop and checkpoint requests and metric shares, and averages
  // the gradients, so every rank takes the same step and the same decisions.
  void synchronise_step(std::map<std::string, double>& metric_shares);
  void write_metrics(int64_t step, int64_t epoch, const std::string& split,
                     const std::map<std::string, double>& metrics);
  // This rank's part of the epoch's in-memory mini-batch `b`, into buffers reused every step.
  Batch gather_batch(int64_t b, const TrainingPosition& position);
  // Unscales (fp16), clips and steps every optimizer, as the step's gradients allow; a manual
  // step stepped them itself.
  void step_optimizers(TrainingPosition& position);
  void end_epoch(TrainingPosition& position);
  // Writes the model's epoch_images for `epoch` (from 1), leaving the generators as they were.
  void draw_epoch_images(int64_t epoch);
  // Evaluates `split`, logs and records it, between the callbacks' on_epoch_start and on_epoch_end.
  void evaluate_split(const std::string& split, const TrainingPosition& position);
  TrainResult finish(const TrainingPosition& position, const std::string& reason);
  // Whether the epoch end that `position` starts after evaluated test (--eval_test_every): a
  // resumed run then need not evaluate it again at the end.
  bool evaluated_test_at_epoch_end(const TrainingPosition& position) const;
  // Whether --stop_after_epochs stops the run where it stands: at an epoch's end, at or past the
  // epoch it names, before the last.
  bool stops_after_epoch(const TrainingPosition& position) const;
  void checkpoint(const TrainingPosition& position);
  // Every --log_every steps and at epoch ends: the log line, the progress bar, the train rows.
  void log_progress(TrainingPosition& position);

  std::chrono::steady_clock::time_point interval_start_ = std::chrono::steady_clock::now();
  int64_t interval_steps_ = 0;
  std::chrono::steady_clock::time_point epoch_started_;  // or when this process took the epoch up
  int64_t epoch_first_step_ = 0;
  int64_t last_test_step_ = -1;                // step of the latest test evaluation
  std::string stop_reason_;                    // set when a callback ends the run (early stopping)
  bool finishing_ = false;                     // past the last checkpoint
  bool in_epoch_ = false;                      // a training epoch has begun and not yet ended
  int64_t kept_step_ = -1;                     // the checkpoint pruning keeps (Loop::keep_checkpoint)
  const TrainingPosition* current_ = nullptr;  // the position run() is at
  int stop_requested_ = 0;                     // after a step: the signal that asks to stop (any rank's), or 0
  bool checkpoint_requested_ = false;          // after a step: SIGUSR1 (on any rank)
  bool overflowed_ = false;                    // fp16, manual: an optimizer step of this step was skipped
  std::vector<std::string> metric_names_;      // data-parallel: what the model's step reports
  int64_t checkpointed_step_ = -1;             // the step of the newest checkpoint this process holds
  std::unique_ptr<BatchLoader> loader_;        // `train` from a Source: the epoch's batches
  std::vector<torch::Tensor> plan_;            // the epoch's global batches (plan_epoch)

  Model& model_;
  const DataMap& data_;
  const Dataset& train_;
  torch::Tensor input_buffer_, target_buffer_;  // the batch being trained, reused every step
  OptimizerSet& optimizers_;
  TrainSettings settings_;
  int64_t batches_;  // mini-batches per epoch
  TrainerOutputs outputs_;
  CallbackList callbacks_;
  std::shared_ptr<Collectives> collectives_;  // data-parallel: what the model's training steps exchange through
};

}  // namespace forge
