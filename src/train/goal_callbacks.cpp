// --keep_best and --early_stopping: both follow one watched metric through the evaluations of
// its split (GoalState); one keeps the best checkpoint, the other ends the run.
#include "train/builtin_callbacks.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <sstream>

namespace forge {
namespace {

std::string names_of(const std::map<std::string, double>& metrics) {
  std::string out;
  for (const auto& [name, value] : metrics) out += (out.empty() ? "" : ", ") + name;
  return out;
}

class GoalCallback : public Callback {
 public:
  GoalCallback(MetricGoal goal, std::string flag) : goal_(std::move(goal)), flag_(std::move(flag)) {
    state_.watched = goal_.watched();
  }

  std::string name() const override { return flag_; }

  void on_epoch_end(Loop& loop, const std::string& split, const std::map<std::string, double>& metrics) override {
    // The final test evaluation comes after the last checkpoint: nothing it decides is kept.
    if (split != goal_.split || loop.finishing()) return;
    auto it = metrics.find(goal_.name);
    if (it == metrics.end())
      throw Error(ExitCode::usage, "--" + flag_ + " watches " + split + "/" + goal_.name + ", but " + split +
                                       " reports only: " + names_of(metrics));
    evaluated(loop, it->second);
  }

  CallbackState state() const override { return goal_callback_state(state_); }

  // A goal other than the one the checkpoint followed (the flag changed on resume) starts afresh.
  void load_state(const CallbackState& saved) override {
    GoalState restored = goal_state_of(saved);
    if (!restored.watched.empty() && restored.watched != goal_.watched()) {
      spdlog::info("--{} now watches {} (was {}): its record starts afresh", flag_, goal_.watched(), restored.watched);
      return;
    }
    state_ = restored;
    state_.watched = goal_.watched();
  }

 protected:
  virtual void evaluated(Loop& loop, double value) = 0;

  MetricGoal goal_;
  std::string flag_;
  GoalState state_;
};

class KeepBest : public GoalCallback {
 public:
  explicit KeepBest(const MetricGoal& goal) : GoalCallback(goal, keep_best_callback) {}

  void on_fit_start(Loop& loop) override { loop.keep_checkpoint(state_.best_step); }

  void on_fit_end(Loop&) override {
    if (state_.best_step >= 0)
      spdlog::info("best {}: {} at step {}", goal_.watched(), state_.best_value, state_.best_step);
  }

 private:
  void evaluated(Loop& loop, double value) override {
    if (!state_.update(goal_, loop.step(), value)) return;
    spdlog::info("best {}/{} so far: {} (checkpoint at step {})", goal_.split, goal_.name, value, loop.step());
    loop.keep_checkpoint(state_.best_step);
  }
};

class EarlyStopping : public GoalCallback {
 public:
  explicit EarlyStopping(const MetricGoal& goal) : GoalCallback(goal, early_stopping_callback) {}

  // A run that early stopping ended stays ended, unless its patience has grown since.
  void on_fit_start(Loop& loop) override {
    if (state_.stale >= goal_.patience) loop.stop(reason());
  }

 private:
  void evaluated(Loop& loop, double value) override {
    state_.update(goal_, loop.step(), value);
    if (state_.stale >= goal_.patience) loop.stop(reason());
  }

  std::string reason() const {
    std::ostringstream out;
    out << "early stopping: " << goal_.split << "/" << goal_.name << " did not improve";
    if (goal_.min_delta > 0) out << " by more than " << goal_.min_delta;
    out << " for " << goal_.patience << " evaluations (best " << state_.best_value << " at step " << state_.best_step
        << ")";
    return out.str();
  }
};

}  // namespace

std::shared_ptr<Callback> make_keep_best_callback(const MetricGoal& goal) { return std::make_shared<KeepBest>(goal); }

std::shared_ptr<Callback> make_early_stopping_callback(const MetricGoal& goal) {
  return std::make_shared<EarlyStopping>(goal);
}

void check_watched_split(const MetricGoal& goal, const std::string& flag, const DataMap& data,
                         int64_t eval_test_every) {
  if (goal.split == "valid" && !data.has_dataset("valid"))
    throw Error(ExitCode::usage, "--" + flag +
                                     " watches valid, but the data has no 'valid' set; add --valid_fraction " +
                                     "(e.g. 0.1) to carve one from train");
  if (goal.split == "test" && (!data.has_dataset("test") || eval_test_every == 0))
    throw Error(ExitCode::usage, "--" + flag + " watches test, which is evaluated only at the end of the run; " +
                                     "watch valid, or evaluate test every N epochs with --eval_test_every");
}

CallbackState goal_callback_state(const GoalState& state) {
  CallbackState out;
  out.texts["watched"] = state.watched;
  out.numbers = {
      {"best_step", double(state.best_step)}, {"best_value", state.best_value}, {"stale", double(state.stale)}};
  return out;
}

GoalState goal_state_of(const CallbackState& state) {
  GoalState out;
  auto number = [&](const char* name, double otherwise) {
    auto it = state.numbers.find(name);
    return it == state.numbers.end() ? otherwise : it->second;
  };
  auto watched = state.texts.find("watched");
  if (watched != state.texts.end()) out.watched = watched->second;
  out.best_step = int64_t(number("best_step", -1));
  out.best_value = number("best_value", 0);
  out.stale = int64_t(number("stale", 0));
  return out;
}

}  // namespace forge
