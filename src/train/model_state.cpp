#include "train/model_state.hpp"

namespace forge {

NamedState named_state(torch::nn::Module& module) {
  NamedState state;
  for (const auto& p : module.named_parameters()) state.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers()) state.emplace_back(b.key(), b.value());
  return state;
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
