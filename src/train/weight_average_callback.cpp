// --ema_decay as a callback: the average follows every step, stands in for the weights while
// the run evaluates, and is kept in every checkpoint.
#include "train/builtin_callbacks.hpp"
#include "train/weight_average.hpp"

#include <forge/error.hpp>
#include <forge/model.hpp>

#include <optional>

namespace forge {
namespace {

class WeightAverageCallback : public Callback {
 public:
  explicit WeightAverageCallback(double decay) : decay_(decay) {}

  std::string name() const override { return ema_callback; }

  // Made here, not before: the weights training starts from (--init_weights) are loaded by now.
  void on_fit_start(Loop& loop) override {
    average_ = std::make_unique<WeightAverage>(loop.model().module(), decay_);
    average_->restore(saved_);
    saved_.clear();
  }

  void on_train_step_end(Loop&, const std::map<std::string, double>&) override { average_->update(); }

  void on_epoch_start(Loop&, const std::string& split) override {
    if (split != "train" && average_) swapped_.emplace(*average_);
  }
  void on_epoch_end(Loop&, const std::string& split, const std::map<std::string, double>&) override {
    if (split != "train") swapped_.reset();
  }

  CallbackState state() const override { return {average_ ? average_->averages() : saved_, {}, {}}; }
  void load_state(const CallbackState& saved) override { saved_ = saved.tensors; }

 private:
  double decay_;
  std::map<std::string, torch::Tensor> saved_;  // a checkpoint's averages, until training starts
  std::unique_ptr<WeightAverage> average_;
  std::optional<WeightAverage::Swap> swapped_;  // during an evaluation
};

}  // namespace

std::shared_ptr<Callback> make_weight_average_callback(double decay) {
  if (!(decay > 0 && decay < 1)) throw Error(ExitCode::usage, "--ema_decay must lie between 0 and 1 (e.g. 0.999)");
  return std::make_shared<WeightAverageCallback>(decay);
}

}  // namespace forge
