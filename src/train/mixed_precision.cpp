#include "train/mixed_precision.hpp"

#include "train/torch_compat.hpp"

#include <forge/error.hpp>

namespace forge {
namespace {

constexpr int64_t growth_interval = 2000;  // GradScaler's

}  // namespace

Precision parse_precision(const std::string& text, torch::Device device) {
  if (text == "fp32") return Precision::fp32;
  if (text == "bf16") return Precision::bf16;
  if (text == "fp16") {
    if (!device.is_cuda())
      throw Error(ExitCode::usage, "--precision fp16 needs a GPU (--device cuda); on the CPU use bf16");
    return Precision::fp16;
  }
  throw Error(ExitCode::usage, "unknown --precision '" + text + "'; choose fp32, bf16 or fp16");
}

AutocastScope::AutocastScope(Precision precision, torch::Device device)
    : active_(precision != Precision::fp32), type_(device.type()) {
  if (active_) compat::set_autocast(type_, true, precision == Precision::bf16 ? at::kBFloat16 : at::kHalf);
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  compat::set_autocast(type_, false, type_ == c10::DeviceType::CPU ? at::kBFloat16 : at::kHalf);
  at::autocast::clear_cache();  // the casts of the weights made for this forward
}

bool unscale_gradients(const std::vector<torch::Tensor>& parameters, const LossScale& scale) {
  torch::NoGradGuard no_grad;
  bool finite = true;
  for (const auto& p : parameters) {
    if (!p.grad().defined()) continue;
    torch::Tensor grad = p.grad();
    grad.div_(scale.scale);
    if (finite && !torch::isfinite(grad).all().item<bool>()) finite = false;
  }
  return finite;
}

void update_loss_scale(LossScale& scale, bool finite) {
  if (!finite) {
    scale.scale /= 2;
    scale.good_steps = 0;
    ++scale.skipped;
    return;
  }
  if (++scale.good_steps >= growth_interval) {
    scale.scale *= 2;
    scale.good_steps = 0;
  }
}

}  // namespace forge
