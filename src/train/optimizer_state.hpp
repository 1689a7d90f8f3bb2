// An optimizer's state as named tensors and a JSON record, and back: what a checkpoint holds
// of it (train/checkpoint.hpp). torch::optim's own state types (SGD, Adam, AdamW, RMSprop,
// Adagrad — and forge's fused Adam and RMSprop, which keep Adam's and RMSprop's) are written
// tensor by tensor, so a checkpoint is written straight from their memory and read back without
// libtorch's archive. Any other optimizer is written whole through its own save(), as one
// archive in a byte tensor.
#pragma once

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace forge {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Appends the optimizer's state to `tensors` (named "<prefix><parameter index>/<field>", in the
// order of the parameter groups) and returns its record: each group's learning rate and each
// parameter's state kind and step count.
nlohmann::json capture_optimizer_state(torch::optim::Optimizer& optimizer, const std::string& prefix,
                                       NamedTensors& tensors);

// Restores what capture_optimizer_state recorded. `tensor` gives a saved tensor by name, or an
// undefined tensor when there is none. Throws std::invalid_argument when the record does not fit
// this optimizer (another kind, another number of parameters); a malformed record throws
// another std::exception (nlohmann::json's, libtorch's, std::out_of_range).
void restore_optimizer_state(torch::optim::Optimizer& optimizer, const nlohmann::json& record,
                             const std::string& prefix, const std::function<torch::Tensor(const std::string&)>& tensor);

}  // namespace forge
