// Where metric rows go. The trainer hands every row to its sinks and knows none of them, as
// spdlog's logger knows its sinks only by their interface: metrics.csv
// (metrics/metrics_log.hpp), TensorBoard event files (metrics/tensorboard_writer.hpp), or a
// test's memory.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace forge {

class MetricSink {
 public:
  virtual ~MetricSink() = default;

  // One row per metric: `split` ("train", "train_epoch", "valid", "test") at `step`, in
  // `epoch` (from 1). Throws Error(ExitCode::failure) naming the file it cannot write.
  virtual void write(int64_t step, int64_t epoch, const std::string& split,
                     const std::map<std::string, double>& metrics) = 0;

  // Pushes what was written towards the disk, as far as the sink buffers anything.
  virtual void flush() = 0;
};

}  // namespace forge
