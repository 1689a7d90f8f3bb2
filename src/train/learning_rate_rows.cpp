// The learning-rate rows: every optimizer's and every parameter group's rate, written at the
// steps where it changes. What was written last is the callback's state, so a resumed run
// writes exactly the rows an uninterrupted one would.
#include "train/builtin_callbacks.hpp"
#include "train/optimizer_set.hpp"

namespace forge {
namespace {

class LearningRateRows : public Callback {
 public:
  std::string name() const override { return learning_rates_callback; }

  // After the step: each group's rate is the one the step used (or, for an optimizer a manual
  // step left alone, the one it would have used).
  void on_train_step_end(Loop& loop, const std::map<std::string, double>&) override {
    const auto optimizers = loop.optimizers();
    std::map<std::string, double> changed;
    for (const auto& [name, optimizer] : optimizers) {
      const auto& groups = optimizer->param_groups();
      for (size_t g = 0; g < groups.size(); ++g) {
        const std::string metric = rate_metric(name, optimizers.size(), g);
        const double rate = groups[g].options().get_lr();
        auto written = written_.find(metric);
        if (written != written_.end() && written->second == rate) continue;
        written_[metric] = rate;
        changed[metric] = rate;
      }
    }
    if (!changed.empty()) loop.log("train", changed);
  }

  CallbackState state() const override { return {{}, written_, {}}; }
  void load_state(const CallbackState& saved) override { written_ = saved.numbers; }

 private:
  std::map<std::string, double> written_;  // the rate last written, by row name
};

}  // namespace

std::shared_ptr<Callback> make_learning_rates_callback() { return std::make_shared<LearningRateRows>(); }

}  // namespace forge
