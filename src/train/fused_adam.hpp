// Adam with a fused CPU step: one pass over each parameter instead of torch::optim's nine
// tensor operations (and a temporary), same state, same serialisation, same results up to
// float rounding. AMSGrad, and anything else the kernel does not cover (non-float32,
// non-contiguous, off the CPU), takes torch::optim::Adam's own step.
#pragma once

#include <torch/torch.h>

namespace forge {

class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;

  torch::Tensor step(LossClosure closure = nullptr) override;

 private:
  bool fused_kernel_applies() const;
};

}  // namespace forge
