#include "metrics/progress_bar.hpp"

#include "core/logging.hpp"

#include <algorithm>
#include <cstdio>

namespace forge {

std::string progress_bar_text(const EpochProgress& p, bool colour) {
  const int width = 24;
  double fraction = p.batches > 0 ? std::clamp(double(p.batch) / double(p.batches), 0.0, 1.0) : 0.0;
  int filled = int(fraction * width + 0.5);
  std::string bar = std::string(size_t(filled), '#');
  std::string rest = std::string(size_t(width - filled), '-');
  if (colour) bar = "\033[32m" + bar + "\033[0m";
  char text[256];
  std::string epochs = p.epochs > 0 ? "/" + std::to_string(p.epochs) : "";
  std::snprintf(text, sizeof text, "epoch %lld%s [%s%s] %lld/%lld %.1f steps/s", static_cast<long long>(p.epoch),
                epochs.c_str(), bar.c_str(), rest.c_str(), static_cast<long long>(p.batch),
                static_cast<long long>(p.batches), p.steps_per_second);
  std::string line = text;
  if (p.steps_per_second > 0) {
    long seconds = long(double(p.batches - p.batch) / p.steps_per_second + 0.5);
    std::snprintf(text, sizeof text, " ETA %ld:%02ld", seconds / 60, seconds % 60);
    line += text;
  }
  if (p.loss) {
    std::snprintf(text, sizeof text, " loss %.4f", *p.loss);
    line += text;
  }
  return line;
}

void ProgressBar::update(EpochProgress progress) {
  if (!enabled_) return;
  auto now = Clock::now();
  if (progress.epoch != epoch_) {
    epoch_ = progress.epoch;
    epoch_start_ = now;
    first_batch_ = progress.batch - 1;  // this call reports one finished batch
  }
  bool last = progress.batch == progress.batches;
  if (now - last_draw_ < std::chrono::milliseconds(100) && !last) return;
  last_draw_ = now;
  double seconds = std::chrono::duration<double>(now - epoch_start_).count();
  if (seconds > 0) progress.steps_per_second = double(progress.batch - first_batch_) / seconds;
  show_progress_line(progress_bar_text(progress, colours_allowed()));
}

}  // namespace forge
