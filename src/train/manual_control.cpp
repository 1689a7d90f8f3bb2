#include "train/manual_control.hpp"

namespace forge {

void ManualControl::backward(const torch::Tensor& loss) { (loss_share_ == 1 ? loss : loss * loss_share_).backward(); }

void ManualControl::step(const std::string& name) {
  ScheduledOptimizer& optimizer = optimizers_.named(name);
  if (group_) average_gradients(*group_, optimizer.parameters(), {});
  if (scale_ && !unscale_gradients(optimizer.parameters(), *scale_)) {
    overflowed_ = true;
    ++optimizer.steps;  // its schedule moves on with the run, as an automatic step's does
    return;
  }
  if (clip_grad_norm_ > 0) torch::nn::utils::clip_grad_norm_(optimizer.parameters(), clip_grad_norm_);
  before_step_(optimizer);
  optimizer.optimizer->step();
  ++optimizer.steps;
}

void ManualControl::zero_grad(const std::string& name) { optimizers_.named(name).optimizer->zero_grad(); }

}  // namespace forge
