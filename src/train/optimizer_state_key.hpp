// The key under which torch::optim keeps a parameter's state: libtorch 1.x uses the
// TensorImpl's address as text, 2.x the address itself. Fused optimizers look state up with it.
#pragma once

#include <torch/torch.h>

#include <string>
#include <type_traits>

namespace forge {

template <class StateMap>
auto optimizer_state_key(const StateMap&, const torch::Tensor& parameter) {
  using Key = typename StateMap::key_type;
  if constexpr (std::is_same_v<Key, std::string>)
    return c10::guts::to_string(parameter.unsafeGetTensorImpl());
  else
    return static_cast<Key>(parameter.unsafeGetTensorImpl());
}

// Whether the fused CPU kernels can take this parameter: float32, contiguous, on the CPU, and
// so is its gradient (when it has one).
inline bool fusable_parameter(const torch::Tensor& p) {
  if (!p.grad().defined()) return true;
  const torch::Tensor& g = p.grad();
  return p.is_cpu() && p.scalar_type() == torch::kFloat32 && p.is_contiguous() && !g.is_sparse() &&
         g.scalar_type() == torch::kFloat32 && g.is_contiguous();
}

}  // namespace forge
