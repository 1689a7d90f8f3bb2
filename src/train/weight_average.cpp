#include "train/weight_average.hpp"

#include "train/channels_last.hpp"

#include <forge/error.hpp>

namespace forge {

WeightAverage::WeightAverage(torch::nn::Module& module, double decay) : module_(module), decay_(decay) {
  if (!(decay > 0 && decay < 1)) throw Error(ExitCode::usage, "--ema_decay must lie between 0 and 1 (e.g. 0.999)");
  restore({});
}

void WeightAverage::update() {
  torch::NoGradGuard no_grad;
  for (auto& p : module_.named_parameters()) {
    torch::Tensor& average = averages_.at(p.key());
    // Frozen parameters do not move: their average is already them.
    if (p.value().requires_grad()) average.mul_(decay_).add_(p.value().detach(), 1 - decay_);
  }
}

void WeightAverage::restore(const std::map<std::string, torch::Tensor>& saved) {
  averages_.clear();
  for (const auto& p : module_.named_parameters()) {
    auto found = saved.find(p.key());
    const bool fits = found != saved.end() && found->second.sizes() == p.value().sizes();
    // In the parameter's layout (--channels_last), as a fresh average is: the update then
    // walks both alike.
    averages_[p.key()] =
        fits ? laid_out_like(found->second.to(p.value().options()), p.value()).clone() : p.value().detach().clone();
  }
}

WeightAverage::Swap::Swap(WeightAverage& average) : average_(average) {
  torch::NoGradGuard no_grad;
  for (auto& p : average_.module_.named_parameters()) {
    raw_[p.key()] = p.value().detach().clone();
    p.value().copy_(average_.averages_.at(p.key()));
  }
}

WeightAverage::Swap::~Swap() {
  torch::NoGradGuard no_grad;
  for (auto& p : average_.module_.named_parameters()) p.value().copy_(raw_.at(p.key()));
}

void load_averages_into(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& averages,
                        const std::string& source) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.named_parameters()) {
    auto found = averages.find(p.key());
    if (found == averages.end())
      throw Error(ExitCode::run, source + " holds no average of " + p.key() + "; it was not trained with --ema_decay");
    if (found->second.sizes() != p.value().sizes())
      throw Error(ExitCode::run, source + ": the average of " + p.key() + " has another shape than the parameter");
    p.value().copy_(found->second);
  }
}

}  // namespace forge
