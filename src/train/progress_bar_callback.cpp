// The progress bar as a callback: redrawn after every step with the epoch's running loss.
#include "metrics/progress_bar.hpp"
#include "train/builtin_callbacks.hpp"

namespace forge {
namespace {

class ProgressBarCallback : public Callback {
 public:
  std::string name() const override { return progress_bar_callback; }

  void on_train_step_end(Loop& loop, const std::map<std::string, double>&) override {
    EpochProgress progress{loop.epoch(), loop.epochs(), loop.batch(), loop.batches_per_epoch()};
    const auto means = loop.epoch_means();
    auto loss = means.find("loss");
    if (loss != means.end()) progress.loss = loss->second;
    bar_.update(progress);
  }

 private:
  ProgressBar bar_{true};
};

}  // namespace

std::shared_ptr<Callback> make_progress_bar_callback() { return std::make_shared<ProgressBarCallback>(); }

}  // namespace forge
