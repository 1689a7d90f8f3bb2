// How a model asks for its optimizers (Model::configure_optimizers), and the control a model
// that steps them itself gets (Model::manual_step). Without either, forge builds one optimizer
// from --optimizer, --lr, --momentum and --weight_decay over every trainable parameter, and
// steps it once per step.
//
// Example (a model's configure_optimizers: a slower rate for the pretrained body, no weight
// decay on its biases):
//   forge::OptimizerSpec adamw;
//   adamw.algorithm = "adamw";
//   adamw.weight_decay = 0.05;
//   adamw.groups = {{head->parameters()}, {body->parameters(), /*lr=*/1e-4}};
//   return {adamw};
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace forge {

// Parameters that share options. An option left empty is the optimizer's.
struct ParamGroup {
  std::vector<torch::Tensor> params;
  std::optional<double> lr;  // the group's peak rate: the schedule scales it as it scales --lr
  std::optional<double> weight_decay;
};

// One optimizer. Names are what a manual step uses, what the checkpoint keys its state by and
// what the logged rates are called (`lr` for a run's only optimizer, else `lr_<name>`): 1 to 64
// letters, digits, `_` and `-`.
struct OptimizerSpec {
  std::string name = "main";
  std::string algorithm;                           // sgd | adam | adamw | rmsprop; empty: --optimizer
  std::optional<double> lr;                        // empty: --lr
  std::optional<double> momentum;                  // empty: --momentum (sgd, rmsprop)
  std::optional<double> weight_decay;              // empty: --weight_decay
  std::optional<std::pair<double, double>> betas;  // adam, adamw; empty: (0.9, 0.999)
  std::string lr_schedule;                         // empty: --lr_schedule (with --warmup_steps, --min_lr...)
  std::vector<ParamGroup> groups;                  // empty: one group of every trainable parameter
};

// What a manually optimized step calls instead of loss.backward() and optimizer.step(): forge
// adds what a step needs around them (the share of an accumulated or data-parallel batch, the
// gradient all-reduce, --clip_grad_norm, the optimizer's scheduled rate).
class StepControl {
 public:
  virtual ~StepControl() = default;
  virtual void backward(const torch::Tensor& loss) = 0;
  // Steps the optimizer `name` (configure_optimizers'), then counts the step for its schedule.
  virtual void step(const std::string& name) = 0;
  virtual void zero_grad(const std::string& name) = 0;
};

}  // namespace forge
