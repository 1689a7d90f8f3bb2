#include "train/model_state.hpp"

#include <cstring>

namespace forge {

NamedState named_state(torch::nn::Module& module) {
  NamedState state;
  for (const auto& p : module.named_parameters()) state.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers()) state.emplace_back(b.key(), b.value());
  return state;
}

NamedState named_callback_state(const std::map<std::string, CallbackState>& states) {
  NamedState out;
  for (const auto& [name, state] : states) {
    const std::string prefix = "callback " + name + ": ";
    for (const auto& [key, tensor] : state.tensors) out.emplace_back(prefix + "tensor " + key, tensor);
    for (const auto& [key, number] : state.numbers) {
      int64_t bits;
      std::memcpy(&bits, &number, sizeof bits);
      out.emplace_back(prefix + "number " + key, torch::tensor(bits));
    }
    for (const auto& [key, text] : state.texts)
      out.emplace_back(prefix + "text " + key,
                       torch::tensor(std::vector<int64_t>(text.begin(), text.end()), torch::kInt64));
  }
  return out;
}

std::string first_difference(const NamedState& a, const NamedState& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (i >= b.size() || a[i].second.sizes() != b[i].second.sizes())
      return "tensor '" + a[i].first + "' has another shape";
    if (torch::equal(a[i].second, b[i].second)) continue;
    double gap = (a[i].second.to(torch::kFloat64) - b[i].second.to(torch::kFloat64)).abs().max().item<double>();
    return "tensor '" + a[i].first + "' differs (largest difference " + std::to_string(gap) + ")";
  }
  return a.size() == b.size() ? "" : "the second state has more tensors";
}

}  // namespace forge
