// The device a run trains on, from --device.
#pragma once

#include <torch/torch.h>

#include <string>

namespace forge {

// The device `text` names: cpu, cuda or cuda:N (cuda is cuda:0, so its generator, saved in
// checkpoints, is looked up by index). Throws Error(ExitCode::usage) when it is malformed, or
// names CUDA and this libtorch or machine has none.
torch::Device parse_device(const std::string& text);

}  // namespace forge
