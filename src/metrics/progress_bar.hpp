// The terminal's progress bar for an epoch: step/total, steps/s, ETA and the running loss,
// redrawn in place at most ten times a second (core/logging's progress line).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace forge {

struct EpochProgress {
  int64_t epoch = 1, epochs = 1;  // 1-based; epochs 0 when the run is bounded by --max_steps
  int64_t batch = 0, batches = 0;
  double steps_per_second = 0;
  std::optional<double> loss;  // the epoch's running mean
};

// One line, e.g. "epoch 2/5 [########----------] 750/1875 312.4 steps/s ETA 0:04 loss 0.4123";
// the bar in colour when `colour`.
std::string progress_bar_text(const EpochProgress& progress, bool colour);

class ProgressBar {
 public:
  // Draws nothing unless `enabled` (a terminal, no --no_progress).
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }

  // Called every step; redraws when 0.1 s have passed or the epoch's last batch is done.
  // Steps/s (and so the ETA) is the mean over the epoch so far, as this process trained it.
  void update(EpochProgress progress);

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  Clock::time_point last_draw_{};
  Clock::time_point epoch_start_{};
  int64_t epoch_ = -1, first_batch_ = 0;
};

}  // namespace forge
