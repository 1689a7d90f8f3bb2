// A model's state as a list of named tensors, and where two such states differ: what exact
// resume is checked with (check-resume, the tests) and what data-parallel ranks share.
#pragma once

#include <forge/callback.hpp>

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace forge {

// Every parameter and buffer of a module, by name, in registration order.
using NamedState = std::vector<std::pair<std::string, torch::Tensor>>;
NamedState named_state(torch::nn::Module& module);

// Callbacks' states as named tensors ("callback NAME: tensor KEY"), numbers by their bits and
// texts by their bytes, so that first_difference compares them exactly.
NamedState named_callback_state(const std::map<std::string, CallbackState>& states);

// Where two states first differ — the tensor's name, and the largest difference or a shape
// mismatch — or "" when they are bitwise identical.
std::string first_difference(const NamedState& a, const NamedState& b);

}  // namespace forge
