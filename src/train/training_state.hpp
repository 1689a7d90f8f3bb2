// The resumable state of the loop itself beside the model and optimizer: where in which epoch
// it is, the running sums of the epoch's metrics and of the current --log_every interval, fp16's
// loss scale. A checkpoint holds it (train/checkpoint.hpp) with the callbacks' states (what
// --keep_best and --early_stopping have seen); with the seed they decide everything a resumed
// run does next.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace forge {

// The resumable state of --precision fp16's dynamic loss scale (train/mixed_precision.hpp).
struct LossScale {
  double scale = 65536.0;
  int64_t good_steps = 0;  // in a row, since the scale last changed
  int64_t skipped = 0;     // steps skipped for inf or NaN gradients, in all
};

struct TrainingPosition {
  int64_t epoch = 0;                         // the epoch in progress, from 0
  int64_t batch = 0;                         // the next batch of that epoch
  int64_t step = 0;                          // optimizer steps done in all
  std::map<std::string, double> epoch_sums;  // metric sums over the epoch's batches so far
  int64_t epoch_batches = 0;
  std::map<std::string, double> log_sums;  // metric sums since the last --log_every row
  int64_t log_batches = 0;
  LossScale loss_scale;
  int64_t bad_samples = 0;  // training samples --skip_bad_samples left out, in all
};

}  // namespace forge
