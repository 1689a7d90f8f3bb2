#include "train/optimizers.hpp"

#include "core/suggest.hpp"
#include "train/fused_adam.hpp"
#include "train/fused_rmsprop.hpp"

#include <forge/error.hpp>

namespace forge {

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names{"sgd", "adam", "adamw", "rmsprop"};
  return names;
}

void check_optimizer_settings(const OptimizerSettings& s) {
  const auto& names = optimizer_names();
  if (std::find(names.begin(), names.end(), s.name) == names.end()) {
    std::string message = "unknown optimizer '" + s.name + "' for --optimizer";
    std::string suggestion = closest_name(s.name, names);
    message += suggestion.empty() ? "; choose sgd, adam, adamw or rmsprop" : "; did you mean " + suggestion + "?";
    throw Error(ExitCode::usage, message);
  }
  if (!(s.lr > 0)) throw Error(ExitCode::usage, "--lr must be positive");
  if (s.momentum < 0) throw Error(ExitCode::usage, "--momentum must not be negative");
  if (s.weight_decay < 0) throw Error(ExitCode::usage, "--weight_decay must not be negative");
  if (!(s.beta1 >= 0 && s.beta1 < 1 && s.beta2 >= 0 && s.beta2 < 1))
    throw Error(ExitCode::usage, "an optimizer's betas must lie in [0, 1)");
}

namespace {

// The groups with their own rate and decay over `defaults`, the algorithm's options type.
template <class Options>
std::vector<torch::optim::OptimizerParamGroup> param_groups(const Options& defaults,
                                                            const std::vector<GroupSettings>& groups) {
  std::vector<torch::optim::OptimizerParamGroup> out;
  for (const auto& group : groups) {
    auto options = std::make_unique<Options>(defaults);
    options->lr(group.lr);
    options->weight_decay(group.weight_decay);
    out.emplace_back(group.params, std::move(options));
  }
  return out;
}

template <class Algorithm, class Options>
std::unique_ptr<torch::optim::Optimizer> build(const Options& defaults, const std::vector<GroupSettings>& groups) {
  return std::make_unique<Algorithm>(param_groups(defaults, groups), defaults);
}

}  // namespace

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerSettings& s,
                                                        const std::vector<GroupSettings>& groups) {
  check_optimizer_settings(s);
  using namespace torch::optim;
  if (s.name == "sgd") return build<SGD>(SGDOptions(s.lr).momentum(s.momentum).weight_decay(s.weight_decay), groups);
  if (s.name == "adam")
    return build<FusedAdam>(AdamOptions(s.lr).betas({s.beta1, s.beta2}).weight_decay(s.weight_decay), groups);
  if (s.name == "adamw")
    return build<AdamW>(AdamWOptions(s.lr).betas({s.beta1, s.beta2}).weight_decay(s.weight_decay), groups);
  return build<FusedRMSprop>(RMSpropOptions(s.lr).momentum(s.momentum).weight_decay(s.weight_decay), groups);
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerSettings& s,
                                                        std::vector<torch::Tensor> parameters) {
  return make_optimizer(s, std::vector<GroupSettings>{{std::move(parameters), s.lr, s.weight_decay}});
}

}  // namespace forge
