#include "train/fused_adam.hpp"

#include "train/optimizer_state_key.hpp"

#include <ATen/Parallel.h>

#include <cmath>

namespace forge {
namespace {

// As torch::optim passes them to its tensor ops: each a double rounded to float once.
struct Coefficients {
  float beta1, one_minus_beta1, beta2, one_minus_beta2, sqrt_bias_correction2, eps, weight_decay, neg_step_size;
};

// One pass over [begin, end), in torch::optim::Adam's order: exp_avg.mul_(b1).add_(g, 1 - b1);
// exp_avg_sq.mul_(b2).addcmul_(g, g, 1 - b2); denom = sqrt(exp_avg_sq) / sqrt(bc2) + eps;
// p.addcdiv_(exp_avg, denom, -lr / bc1). Plain loops the compiler vectorises (-O3
// -fno-math-errno for this file).
void adam_range(float* __restrict p, const float* __restrict g, float* __restrict exp_avg, float* __restrict exp_avg_sq,
                const Coefficients& c, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    float grad = c.weight_decay != 0 ? g[i] + c.weight_decay * p[i] : g[i];
    float m = exp_avg[i] * c.beta1 + c.one_minus_beta1 * grad;
    float v = exp_avg_sq[i] * c.beta2 + c.one_minus_beta2 * grad * grad;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    float denom = std::sqrt(v) / c.sqrt_bias_correction2 + c.eps;
    p[i] += c.neg_step_size * (m / denom);
  }
}

// Below this, splitting the loop over threads costs more than it saves.
constexpr int64_t parallel_grain = 1 << 16;

}  // namespace

bool FusedAdam::fused_kernel_applies() const {
  for (const auto& group : param_groups_) {
    if (static_cast<const torch::optim::AdamOptions&>(group.options()).amsgrad()) return false;
    for (const auto& p : group.params())
      if (!fusable_parameter(p)) return false;
  }
  return true;
}

torch::Tensor FusedAdam::step(LossClosure closure) {
  if (!fused_kernel_applies()) return torch::optim::Adam::step(closure);
  torch::NoGradGuard no_grad;
  torch::Tensor loss = run_closure(closure);
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    const double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& state = parameter_state<torch::optim::AdamParamState>(state_, p, [&] {
        auto made = std::make_unique<torch::optim::AdamParamState>();
        made->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        made->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        return made;
      });
      state.step(state.step() + 1);
      const double bias_correction1 = 1 - std::pow(beta1, double(state.step()));
      const double bias_correction2 = 1 - std::pow(beta2, double(state.step()));
      const Coefficients c{float(beta1),
                           float(1 - beta1),
                           float(beta2),
                           float(1 - beta2),
                           float(std::sqrt(bias_correction2)),
                           float(options.eps()),
                           float(options.weight_decay()),
                           float(-(options.lr() / bias_correction1))};
      float* param = p.data_ptr<float>();
      const float* grad = p.grad().data_ptr<float>();
      float* exp_avg = state.exp_avg().data_ptr<float>();
      float* exp_avg_sq = state.exp_avg_sq().data_ptr<float>();
      at::parallel_for(0, p.numel(), parallel_grain, [&](int64_t begin, int64_t end) {
        adam_range(param, grad, exp_avg, exp_avg_sq, c, begin, end);
      });
    }
  }
  return loss;
}

}  // namespace forge
