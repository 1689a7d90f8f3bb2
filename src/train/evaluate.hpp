// Evaluation of a model on a whole dataset, in batches, without gradients.
#pragma once

#include <forge/model.hpp>

#include <map>
#include <string>

namespace forge {

// The model's eval_step metrics averaged over every sample of `dataset` (batch means weighted
// by batch size), each batch moved to `device`. Leaves the module in eval mode. Throws
// Error(ExitCode::failure) on an empty dataset.
std::map<std::string, double> evaluate(Model& model, const Dataset& dataset, int64_t batch_size,
                                       torch::Device device = torch::kCPU);

}  // namespace forge
