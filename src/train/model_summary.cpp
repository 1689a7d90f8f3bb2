#include "train/model_summary.hpp"

namespace forge {
namespace {

// "torch::nn::Conv2dImpl" as Conv2d, "(anonymous namespace)::BasicBlockImpl" as BasicBlock.
std::string type_name(const torch::nn::Module& module) {
  std::string name = module.name();
  const size_t colons = name.rfind("::");
  if (colons != std::string::npos) name = name.substr(colons + 2);
  const std::string impl = "Impl";
  if (name.size() > impl.size() && name.compare(name.size() - impl.size(), impl.size(), impl) == 0)
    name.resize(name.size() - impl.size());
  return name;
}

json tensor_entry(const std::string& name, const torch::Tensor& tensor) {
  return {{"name", name}, {"shape", c10::str(tensor.sizes())}, {"numel", tensor.numel()}};
}

}  // namespace

json summarize_model(const torch::nn::Module& model) {
  json modules = json::array();
  int64_t parameters = 0, trainable = 0, buffers = 0;
  double bytes = 0;
  for (const auto& item : model.named_modules("", /*include_self=*/true)) {
    const std::string& name = item.key();
    const torch::nn::Module& module = *item.value();
    json own = json::array(), own_buffers = json::array();
    for (const auto& p : module.named_parameters(/*recurse=*/false)) {
      json entry = tensor_entry(p.key(), p.value());
      entry["trainable"] = p.value().requires_grad();
      own.push_back(entry);
      parameters += p.value().numel();
      if (p.value().requires_grad()) trainable += p.value().numel();
      bytes += double(p.value().numel()) * double(p.value().element_size());
    }
    for (const auto& b : module.named_buffers(/*recurse=*/false)) {
      if (!b.value().defined()) continue;
      own_buffers.push_back(tensor_entry(b.key(), b.value()));
      buffers += b.value().numel();
      bytes += double(b.value().numel()) * double(b.value().element_size());
    }
    int64_t total = 0;
    for (const auto& p : module.parameters(/*recurse=*/true)) total += p.numel();
    const int64_t depth = name.empty() ? 0 : int64_t(std::count(name.begin(), name.end(), '.')) + 1;
    modules.push_back({{"name", name},
                       {"type", type_name(module)},
                       {"depth", depth},
                       {"total_parameters", total},
                       {"parameters", own},
                       {"buffers", own_buffers}});
  }
  return {{"modules", modules},
          {"totals",
           {{"parameters", parameters},
            {"trainable", trainable},
            {"frozen", parameters - trainable},
            {"buffers", buffers},
            {"bytes", bytes}}}};
}

}  // namespace forge
