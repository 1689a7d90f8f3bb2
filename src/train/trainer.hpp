// The training loop: shuffled mini-batches of `train`, one optimizer step each, a log line
// every --log_every steps, and at the end of each epoch the epoch's train metrics, test
// metrics (when the data map has `test`) and a checkpoint.
#pragma once

#include <forge/model.hpp>

#include "metrics/metrics_log.hpp"
#include "runs/checkpoint.hpp"

#include <string>

namespace forge {

struct TrainSettings {
  int64_t epochs = 1;
  int64_t batch_size = 32;
  int64_t log_every = 100;
  int64_t seed = 0;
};

enum class TrainOutcome { completed, interrupted };

class Trainer {
 public:
  Trainer(Model& model, const DataMap& data, torch::optim::Optimizer& optimizer, TrainSettings settings,
          std::string run_dir);

  // Trains from `position` to the end of epoch settings.epochs. When a stop signal arrives,
  // finishes the current step, checkpoints and returns interrupted.
  TrainOutcome run(TrainingPosition position);

  // The sample order of `epoch`: a function of the seed and the epoch only, so a resumed run
  // sees the same order as an uninterrupted one.
  static torch::Tensor epoch_order(int64_t samples, int64_t seed, int64_t epoch);

 private:
  void train_step(const torch::Tensor& indices, TrainingPosition& position);
  void finish_epoch(TrainingPosition& position);
  void checkpoint(const TrainingPosition& position);

  Model& model_;
  const DataMap& data_;
  const Dataset& train_;
  torch::optim::Optimizer& optimizer_;
  TrainSettings settings_;
  std::string run_dir_;
  MetricsLog metrics_;
};

}  // namespace forge
