// What a model's step receives: a batch of samples as named tensor fields. `inputs` and
// `targets` are the fields today's models read (and what in-memory datasets and the default
// collate give); a source may add any others (`length`, `tokens`, `boxes`...) in `fields`.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace forge {

struct Batch {
  torch::Tensor inputs;                         // the field named "inputs"
  torch::Tensor targets;                        // the field named "targets"
  std::map<std::string, torch::Tensor> fields;  // every other field, by name
  std::string split;                            // "train", "valid", "test"...
  int64_t epoch = 0;                            // training: the epoch, from 1; evaluation: 0
  int64_t step = 0;                             // training: the optimizer step it is part of, from 1
  torch::Tensor indices;                        // the samples' indices in their split (int64)

  bool has(const std::string& name) const {
    if (name == "inputs") return inputs.defined();
    if (name == "targets") return targets.defined();
    return fields.count(name) != 0;
  }

  // Throws std::out_of_range naming the fields the batch has.
  const torch::Tensor& field(const std::string& name) const {
    if (name == "inputs" && inputs.defined()) return inputs;
    if (name == "targets" && targets.defined()) return targets;
    auto it = fields.find(name);
    if (it != fields.end()) return it->second;
    std::string names = inputs.defined() ? "inputs" : "";
    if (targets.defined()) names += std::string(names.empty() ? "" : ", ") + "targets";
    for (const auto& [other, tensor] : fields) names += (names.empty() ? "" : ", ") + other;
    throw std::out_of_range("the batch has no field '" + name + "' (it has: " + names + ")");
  }

  // `inputs` and `targets` go to their members, any other name to `fields`.
  void set(const std::string& name, torch::Tensor tensor) {
    if (name == "inputs")
      inputs = std::move(tensor);
    else if (name == "targets")
      targets = std::move(tensor);
    else
      fields[name] = std::move(tensor);
  }

  // Samples in the batch: the first dimension of its inputs (or of any field).
  int64_t size() const {
    if (inputs.defined() && inputs.dim() > 0) return inputs.size(0);
    if (targets.defined() && targets.dim() > 0) return targets.size(0);
    for (const auto& [name, tensor] : fields)
      if (tensor.defined() && tensor.dim() > 0) return tensor.size(0);
    return 0;
  }
};

}  // namespace forge
