#include "train/channels_last.hpp"

namespace forge {

void lay_out_channels_last(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  auto lay_out = [](torch::Tensor& tensor) {
    if (tensor.defined() && tensor.dim() == 4 && !tensor.is_contiguous(torch::MemoryFormat::ChannelsLast))
      tensor.set_data(tensor.contiguous(torch::MemoryFormat::ChannelsLast));
  };
  for (auto& parameter : module.parameters()) lay_out(parameter);
  for (auto& buffer : module.buffers()) lay_out(buffer);
}

torch::Tensor laid_out_like(const torch::Tensor& value, const torch::Tensor& layout) {
  if (value.strides() == layout.strides() || !layout.is_non_overlapping_and_dense()) return value;
  return torch::empty_like(layout, value.options().device(layout.device()), torch::MemoryFormat::Preserve).copy_(value);
}

}  // namespace forge
