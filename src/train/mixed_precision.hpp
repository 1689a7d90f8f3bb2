// --precision: fp32, or mixed precision with autocast around the model's forward and loss —
// bf16 (CPU and CUDA) or fp16 (CUDA only) — where fp16's narrow range needs a dynamic loss
// scale (PyTorch's GradScaler): the loss is multiplied by the scale before backward, the
// gradients divided by it before the step; a step whose gradients hold inf or NaN is skipped
// and the scale halved, and after 2000 good steps in a row it doubles. The scale's state is
// part of the training position, so a resumed run continues it.
#pragma once

#include "train/training_state.hpp"

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace forge {

enum class Precision { fp32, bf16, fp16 };

// Throws Error(ExitCode::usage) for another value, and for fp16 off CUDA.
Precision parse_precision(const std::string& text, torch::Device device);

// Autocast on `device`'s type while alive (nothing for fp32).
class AutocastScope {
 public:
  AutocastScope(Precision precision, torch::Device device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_;
  c10::DeviceType type_;
};

// Divides the gradients of `parameters` by the scale; returns whether all are finite.
bool unscale_gradients(const std::vector<torch::Tensor>& parameters, const LossScale& scale);

// After a step: halves the scale on an overflow (and counts the skip), doubles it after 2000
// good steps in a row.
void update_loss_scale(LossScale& scale, bool finite);

}  // namespace forge
