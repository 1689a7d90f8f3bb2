// The optimizers a run trains with: the model's (Model::configure_optimizers) or the one
// --optimizer asks for, each with its learning-rate schedule and its own count of steps (a
// manually optimized model may step one more often than another). A checkpoint holds each
// one's state and count (train/checkpoint.hpp).
#pragma once

#include <forge/model.hpp>

#include "train/lr_schedule.hpp"
#include "train/optimizers.hpp"

#include <memory>
#include <string>
#include <vector>

namespace forge {

struct ScheduledOptimizer {
  std::string name;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  LrSchedule schedule;             // its lr is the optimizer's peak rate
  std::vector<double> peak_rates;  // each parameter group's: the schedule scales them alike
  int64_t steps = 0;               // steps taken: where its schedule is

  // The rate of the first group at step `step` of the schedule.
  double rate_at(int64_t step) const;
  // Sets every group's rate for the next step (step `steps`).
  void apply_rate();
  std::vector<torch::Tensor> parameters() const;
};

class OptimizerSet {
 public:
  OptimizerSet() = default;
  explicit OptimizerSet(std::vector<ScheduledOptimizer> optimizers) : optimizers_(std::move(optimizers)) {}

  std::vector<ScheduledOptimizer>& all() { return optimizers_; }
  const std::vector<ScheduledOptimizer>& all() const { return optimizers_; }
  // Throws Error(ExitCode::usage) naming the optimizers there are.
  ScheduledOptimizer& named(const std::string& name);
  // Every parameter of every optimizer, in their order.
  std::vector<torch::Tensor> parameters() const;

 private:
  std::vector<ScheduledOptimizer> optimizers_;
};

// What the metrics call the rate of optimizer `name`'s parameter group `group` in a run of
// `optimizers` optimizers: `lr` for a run's only optimizer, else `lr_<name>`, and `_group<k>`
// after it for its group k > 0.
std::string rate_metric(const std::string& name, size_t optimizers, size_t group = 0);

// What the flags ask of an optimizer the model leaves to them.
struct OptimizerDefaults {
  OptimizerSettings settings;  // --optimizer, --lr, --momentum, --weight_decay
  LrSchedule schedule;         // --lr_schedule and its flags, sized for the run
  bool no_decay_bias_norm = false;
};

// The model's optimizers (one from `defaults` when it configures none), frozen parameters left
// out. --no_decay_bias_norm gives biases and every parameter of fewer than two dimensions
// (normalisation weights) no weight decay. Throws Error(ExitCode::usage) for a bad name or
// option, a parameter in two groups, a tensor that is not the model's, an optimizer left
// with no trainable parameter.
OptimizerSet make_optimizer_set(Model& model, const OptimizerDefaults& defaults);

}  // namespace forge
