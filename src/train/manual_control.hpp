// The StepControl a manually optimized model's step is given (forge/optimization.hpp): its
// backward scales the loss by the mini-batch's share of the step (a data-parallel rank's part
// of the global batch), and each optimizer step first averages that optimizer's gradients over
// the ranks and clips their norm (--clip_grad_norm), as an automatic step does for all.
#pragma once

#include <forge/optimization.hpp>

#include "train/data_parallel.hpp"
#include "train/mixed_precision.hpp"
#include "train/optimizer_set.hpp"

#include <functional>

namespace forge {

class ManualControl : public StepControl {
 public:
  // Called just before an optimizer steps: sets (and reports) its scheduled rate.
  using BeforeStep = std::function<void(ScheduledOptimizer&)>;

  // `loss_share`: what backward multiplies the loss by (with fp16, times the loss scale);
  // `scale`: fp16's loss scale, whose gradients each step unscales first (null: none);
  // `overflowed` is set when a step is skipped for inf or NaN gradients.
  ManualControl(OptimizerSet& optimizers, DataParallelGroup* group, double clip_grad_norm, double loss_share,
                BeforeStep before_step, const LossScale* scale, bool& overflowed)
      : optimizers_(optimizers),
        group_(group),
        clip_grad_norm_(clip_grad_norm),
        loss_share_(loss_share),
        before_step_(std::move(before_step)),
        scale_(scale),
        overflowed_(overflowed) {}

  void backward(const torch::Tensor& loss) override;
  void step(const std::string& name) override;
  void zero_grad(const std::string& name) override;

 private:
  OptimizerSet& optimizers_;
  DataParallelGroup* group_;
  double clip_grad_norm_;
  double loss_share_;
  BeforeStep before_step_;
  const LossScale* scale_;
  bool& overflowed_;
};

}  // namespace forge
