// The optimizers `--optimizer` names: sgd and adamw (torch::optim's), adam and rmsprop
// (FusedAdam, FusedRMSprop: torch::optim's with a one-pass CPU step).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace forge {

struct OptimizerSettings {
  std::string name = "adam";
  double lr = 1e-3;
  double momentum = 0.0;  // sgd and rmsprop
  double weight_decay = 0.0;
  double beta1 = 0.9, beta2 = 0.999;  // adam and adamw
};

// The names `make_optimizer` accepts, for help texts and errors.
const std::vector<std::string>& optimizer_names();

// Throws Error(ExitCode::usage) for an unknown name (suggesting the closest one) or a
// non-positive learning rate.
void check_optimizer_settings(const OptimizerSettings& settings);

// Parameters whose rate and weight decay differ from the optimizer's defaults.
struct GroupSettings {
  std::vector<torch::Tensor> params;
  double lr;
  double weight_decay;
};

// An optimizer over `groups`; `settings` gives the options the groups do not override.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerSettings& settings,
                                                        const std::vector<GroupSettings>& groups);

// One group of every parameter, with the settings' options.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerSettings& settings,
                                                        std::vector<torch::Tensor> parameters);

}  // namespace forge
