// A model's state as a list of named tensors, and where two such states differ: what exact
// resume is checked with (check-resume, the tests) and what data-parallel ranks share.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace forge {

// Every parameter and buffer of a module, by name, in registration order.
using NamedState = std::vector<std::pair<std::string, torch::Tensor>>;
NamedState named_state(torch::nn::Module& module);

// Where two states first differ — the tensor's name, and the largest difference or a shape
// mismatch — or "" when they are bitwise identical.
std::string first_difference(const NamedState& a, const NamedState& b);

}  // namespace forge
