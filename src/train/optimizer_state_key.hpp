// What the fused optimizers share around their kernels: the key under which torch::optim keeps
// a parameter's state (train/torch_compat.hpp), that state's lookup, the step's closure, and which parameters a kernel
// can take.
#pragma once

#include "train/torch_compat.hpp"

#include <torch/torch.h>

#include <string>
#include <type_traits>

namespace forge {

using compat::optimizer_state_key;

// The state of `parameter` in an optimizer's `states`, made by `make` on its first step.
template <class State, class StateMap, class Make>
State& parameter_state(StateMap& states, const torch::Tensor& parameter, Make make) {
  auto key = optimizer_state_key(states, parameter);
  auto found = states.find(key);
  if (found == states.end()) found = states.emplace(key, make()).first;
  return static_cast<State&>(*found->second);
}

// Runs a step's closure (when there is one) with gradients enabled, as torch::optim does.
inline torch::Tensor run_closure(const torch::optim::Optimizer::LossClosure& closure) {
  if (!closure) return {};
  at::AutoGradMode enable_grad(true);
  return closure();
}

// Whether the fused CPU kernels can take this parameter: float32 on the CPU, its elements dense in
// memory (contiguous, or channels-last), and its gradient (when it has one) float32 in the same
// layout — the kernels walk both, and the state, in memory order.
inline bool fusable_parameter(const torch::Tensor& p) {
  if (!p.grad().defined()) return true;
  const torch::Tensor& g = p.grad();
  return p.is_cpu() && p.scalar_type() == torch::kFloat32 && p.is_non_overlapping_and_dense() && !g.is_sparse() &&
         g.scalar_type() == torch::kFloat32 && g.strides() == p.strides();
}

}  // namespace forge
