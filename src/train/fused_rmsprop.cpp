#include "train/fused_rmsprop.hpp"

#include "train/optimizer_state_key.hpp"

#include <ATen/Parallel.h>

#include <cmath>

namespace forge {
namespace {

// As torch::optim passes them to its tensor ops: each a double rounded to float once.
struct Coefficients {
  float lr, alpha, one_minus_alpha, eps, weight_decay, momentum;
};

// One pass over [begin, end): the same arithmetic, in the same order, as torch::optim::RMSprop
// (square_avg.mul_(alpha).addcmul_(g, g, 1 - alpha); avg = sqrt + eps; buf.mul_(m).addcdiv_(g,
// avg); p.add_(buf, -lr)). Written as plain loops that the compiler vectorises (this file is
// built with -O3 -fno-math-errno).
void rmsprop_range(float* __restrict p, const float* __restrict g, float* __restrict square_avg,
                   float* __restrict buffer, const Coefficients& c, int64_t begin, int64_t end) {
  const float one_minus_alpha = c.one_minus_alpha;
  if (buffer) {
    for (int64_t i = begin; i < end; ++i) {
      float grad = c.weight_decay != 0 ? g[i] + c.weight_decay * p[i] : g[i];
      float sq = square_avg[i] * c.alpha + one_minus_alpha * grad * grad;
      square_avg[i] = sq;
      float b = buffer[i] * c.momentum + grad / (std::sqrt(sq) + c.eps);
      buffer[i] = b;
      p[i] += -c.lr * b;
    }
  } else {
    for (int64_t i = begin; i < end; ++i) {
      float grad = c.weight_decay != 0 ? g[i] + c.weight_decay * p[i] : g[i];
      float sq = square_avg[i] * c.alpha + one_minus_alpha * grad * grad;
      square_avg[i] = sq;
      p[i] += -c.lr * (grad / (std::sqrt(sq) + c.eps));
    }
  }
}

// Below this, splitting the loop over threads costs more than it saves.
constexpr int64_t parallel_grain = 1 << 16;

}  // namespace

bool FusedRMSprop::fused_kernel_applies() const {
  for (const auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::RMSpropOptions&>(group.options());
    if (options.centered()) return false;
    for (const auto& p : group.params())
      if (!fusable_parameter(p)) return false;
  }
  return true;
}

torch::Tensor FusedRMSprop::step(LossClosure closure) {
  if (!fused_kernel_applies()) return torch::optim::RMSprop::step(closure);
  torch::NoGradGuard no_grad;
  torch::Tensor loss = run_closure(closure);
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::RMSpropOptions&>(group.options());
    const Coefficients c{float(options.lr()),  float(options.alpha()),        float(1.0 - options.alpha()),
                         float(options.eps()), float(options.weight_decay()), float(options.momentum())};
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& state = parameter_state<torch::optim::RMSpropParamState>(state_, p, [&] {
        auto made = std::make_unique<torch::optim::RMSpropParamState>();
        made->square_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        if (options.momentum() > 0) made->momentum_buffer(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        return made;
      });
      if (options.momentum() > 0 && !state.momentum_buffer().defined())  // saved while momentum was 0
        state.momentum_buffer(torch::zeros_like(p, torch::MemoryFormat::Preserve));
      state.step(state.step() + 1);
      float* param = p.data_ptr<float>();
      const float* grad = p.grad().data_ptr<float>();
      float* square_avg = state.square_avg().data_ptr<float>();
      float* buffer = options.momentum() > 0 ? state.momentum_buffer().data_ptr<float>() : nullptr;
      at::parallel_for(0, p.numel(), parallel_grain, [&](int64_t begin, int64_t end) {
        rmsprop_range(param, grad, square_avg, buffer, c, begin, end);
      });
    }
  }
  return loss;
}

}  // namespace forge
