// --channels_last: a module's 4-D parameters and buffers (a 2-D convolution's weights) laid out
// channels-last (NHWC), so that its convolutions run on the NHWC kernels of oneDNN (CPU) and cuDNN
// (CUDA) — faster than the default layout for most convolutional nets. The values stay the
// same; only their order in memory changes, and every copy forge makes of them (checkpoints,
// optimizer state, data-parallel exchanges) keeps or restores it.
#pragma once

#include <torch/torch.h>

namespace forge {

// Lays `module`'s 4-D parameters and buffers out channels-last, in place: the tensors stay the
// same objects (an optimizer holding them still does), with their data reordered.
void lay_out_channels_last(torch::nn::Module& module);

// A tensor with `value`'s values laid out as `layout` is (its strides, when `layout` is dense):
// what a copy of a parameter's state must be for kernels that walk both in memory order.
torch::Tensor laid_out_like(const torch::Tensor& value, const torch::Tensor& layout);

}  // namespace forge
