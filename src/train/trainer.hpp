// The training loop: shuffled mini-batches of `train`, one optimizer step each, a log line
// every --log_every steps, a checkpoint every --checkpoint_every steps and on SIGUSR1, and at
// the end of each epoch the epoch's train metrics, test metrics (when the data map has
// `test`) and a checkpoint. Only the newest --keep_checkpoints checkpoints are kept.
#pragma once

#include <forge/model.hpp>

#include "metrics/metrics_log.hpp"
#include "runs/checkpoint.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace forge {

// --keep_best split/name:min|max: the metric whose best checkpoint is kept beside the newest.
struct BestMetric {
  std::string split;  // "train" or "test"
  std::string name;
  bool maximize = true;
};

// Parses "test/accuracy:max". Throws Error(ExitCode::usage) when malformed.
BestMetric parse_best_metric(const std::string& text);

struct TrainSettings {
  int64_t epochs = 1;
  int64_t batch_size = 32;
  int64_t log_every = 100;
  int64_t seed = 0;
  int64_t checkpoint_every = 0;   // steps between checkpoints; 0: only at the end of each epoch
  int64_t keep_checkpoints = 3;   // newest checkpoints kept; 0: all
  int64_t stop_after_steps = 0;   // stop (as if interrupted) once the global step reaches it; 0: never
  std::optional<BestMetric> keep_best;
};

enum class TrainOutcome { completed, interrupted };

class Trainer {
 public:
  Trainer(Model& model, const DataMap& data, torch::optim::Optimizer& optimizer, TrainSettings settings,
          std::string run_dir);

  // Trains from `position` to the end of epoch settings.epochs. When a stop signal arrives (or
  // stop_after_steps is reached), finishes the current step, checkpoints and returns
  // interrupted.
  TrainOutcome run(TrainingPosition position);

  // The sample order of `epoch`: a function of the seed and the epoch only, so a resumed run
  // sees the same order as an uninterrupted one.
  static torch::Tensor epoch_order(int64_t samples, int64_t seed, int64_t epoch);

 private:
  void train_step(const torch::Tensor& indices, TrainingPosition& position);
  void finish_epoch(TrainingPosition& position);
  void track_best(TrainingPosition& position, const std::string& split, const std::map<std::string, double>& metrics);
  void checkpoint(const TrainingPosition& position);
  void log_progress(const TrainingPosition& position, int64_t batches);

  std::chrono::steady_clock::time_point interval_start_ = std::chrono::steady_clock::now();
  int64_t interval_steps_ = 0;

  Model& model_;
  const DataMap& data_;
  const Dataset& train_;
  torch::optim::Optimizer& optimizer_;
  TrainSettings settings_;
  std::string run_dir_;
  MetricsLog metrics_;
};

}  // namespace forge
