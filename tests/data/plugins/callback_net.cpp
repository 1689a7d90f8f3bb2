// A model plugin with a callback of its own that keeps state (forge/callback.hpp): a running
// mean of the training loss and the last losses, logged every step, and the evaluations seen.
// With --forget_state true its load_state ignores what the checkpoint holds, as a callback with
// a bug would: `forge check-resume` must then say the resume is not exact. --callback_name
// names it (another name, taken or malformed, must be refused); --callbacks_fail makes
// callbacks() throw.
#include <forge/callback.hpp>
#include <forge/model.hpp>

#include <deque>

namespace {

class LossTracker : public forge::Callback {
 public:
  LossTracker(bool forget, std::string name) : forget_(forget), name_(std::move(name)) {}

  std::string name() const override { return name_; }

  void on_epoch_start(forge::Loop&, const std::string& split) override {
    if (split != "train") ++evaluations_;
  }

  void on_train_step_end(forge::Loop& loop, const std::map<std::string, double>& metrics) override {
    const double loss = metrics.at("loss");
    mean_ = steps_ == 0 ? loss : 0.8 * mean_ + 0.2 * loss;
    ++steps_;
    recent_.push_back(loss);
    if (recent_.size() > 4) recent_.pop_front();
    loop.log("train", {{"tracked_loss", mean_}, {"evaluations_seen", double(evaluations_)}});
  }

  forge::CallbackState state() const override {
    forge::CallbackState state;
    state.tensors["recent"] = torch::tensor(std::vector<double>(recent_.begin(), recent_.end()), torch::kFloat64);
    state.tensors["steps"] = torch::tensor(steps_);
    state.numbers = {{"mean", mean_}, {"evaluations", double(evaluations_)}};
    state.texts = {{"note", "steps " + std::to_string(steps_)}};
    return state;
  }

  void load_state(const forge::CallbackState& saved) override {
    if (forget_) return;
    const torch::Tensor recent = saved.tensors.at("recent");
    recent_.assign(recent.data_ptr<double>(), recent.data_ptr<double>() + recent.numel());
    steps_ = saved.tensors.at("steps").item<int64_t>();
    mean_ = saved.numbers.at("mean");
    evaluations_ = int64_t(saved.numbers.at("evaluations"));
  }

 private:
  bool forget_;
  std::string name_;
  double mean_ = 0;
  int64_t steps_ = 0, evaluations_ = 0;
  std::deque<double> recent_;
};

class TrackedModel : public forge::Model {
 public:
  TrackedModel(torch::nn::Sequential net, const forge::Flags& flags)
      : forge::Model(net.ptr(), [net](const torch::Tensor& x) mutable { return net->forward(x); }),
        forget_(flags.boolean("forget_state")),
        fail_(flags.boolean("callbacks_fail")),
        name_(flags.text("callback_name")) {}

  std::vector<std::shared_ptr<forge::Callback>> callbacks() override {
    if (fail_) throw std::runtime_error("no callbacks today (--callbacks_fail)");
    return {std::make_shared<LossTracker>(forget_, name_)};
  }

 private:
  bool forget_, fail_;
  std::string name_;
};

std::vector<forge::FlagSpec> flags() {
  return {forge::bool_flag("forget_state", false, "ignore the callback's saved state on resume (a bug, on purpose)"),
          forge::text_flag("callback_name", "loss_tracker", "the callback's name"),
          forge::bool_flag("callbacks_fail", false, "callbacks() throws")};
}

std::shared_ptr<forge::Model> load(const forge::Flags& flags, const forge::DataMap& data) {
  auto shape = data.value<std::vector<int64_t>>("input_shape");
  int64_t inputs = 1;
  for (int64_t d : shape) inputs *= d;
  torch::nn::Sequential net(torch::nn::Flatten(), torch::nn::Linear(inputs, 16), torch::nn::ReLU(),
                            torch::nn::Linear(16, data.value<int64_t>("num_classes")));
  return std::make_shared<TrackedModel>(net, flags);
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
