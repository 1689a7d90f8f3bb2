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
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerSettings& s,
                                                        std::vector<torch::Tensor> parameters) {
  check_optimizer_settings(s);
  using namespace torch::optim;
  if (s.name == "sgd")
    return std::make_unique<SGD>(parameters, SGDOptions(s.lr).momentum(s.momentum).weight_decay(s.weight_decay));
  if (s.name == "adam") return std::make_unique<FusedAdam>(parameters, AdamOptions(s.lr).weight_decay(s.weight_decay));
  if (s.name == "adamw") return std::make_unique<AdamW>(parameters, AdamWOptions(s.lr).weight_decay(s.weight_decay));
  return std::make_unique<FusedRMSprop>(parameters,
                                        RMSpropOptions(s.lr).momentum(s.momentum).weight_decay(s.weight_decay));
}

}  // namespace forge
