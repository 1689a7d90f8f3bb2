// RMSprop with a fused CPU step: one pass over each parameter instead of torch::optim's
// seven tensor operations (and a temporary), same state, same serialisation, same results up
// to float rounding. Anything the fused kernel does not cover (centered, non-float32,
// non-contiguous, off the CPU) takes torch::optim::RMSprop's own step.
#pragma once

#include <torch/torch.h>

namespace forge {

class FusedRMSprop : public torch::optim::RMSprop {
 public:
  using torch::optim::RMSprop::RMSprop;

  torch::Tensor step(LossClosure closure = nullptr) override;

 private:
  bool fused_kernel_applies() const;
};

}  // namespace forge
