// What a model is made of, as runs/model_record.hpp keeps it: every module (its dotted name,
// its type, the shapes of its own parameters and buffers, which parameters train) and totals.
#pragma once

#include "core/json_file.hpp"

#include <torch/torch.h>

namespace forge {

json summarize_model(const torch::nn::Module& model);

}  // namespace forge
