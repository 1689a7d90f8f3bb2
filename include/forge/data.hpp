// What a data plugin returns: the data map. Its named datasets (`train`, `test`, ...) are
// either in-memory tensors of inputs and targets (the fast path), sources whose samples are
// made on demand by forge's loader threads (forge/source.hpp: files decoded and augmented,
// text padded per batch), or streams read front to back (forge/stream.hpp); it may also carry loose tensors and plain
// values (`num_classes`, `input_shape`, `class_names`, ...) that the model plugin reads to size itself, as the Python
// tool passed the dataset's dict to the model as keyword arguments.
//
// Values forge itself reads: `task` ("classification", the default, or "regression": what
// the model's default step computes). A `valid` dataset is used for per-epoch validation;
// without one, --valid_fraction carves it from `train`.
#pragma once

#include <forge/batch_plan.hpp>
#include <forge/plugin.hpp>
#include <forge/source.hpp>
#include <forge/stream.hpp>

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace forge {

// A labelled dataset: held in memory (row i of `inputs` goes with row i of `targets`), or a
// source or a stream whose samples forge's loader makes on demand (Dataset::of).
struct BOOST_SYMBOL_VISIBLE Dataset {
  torch::Tensor inputs;
  torch::Tensor targets;
  std::shared_ptr<Source> source;  // set: the samples come from here, inputs/targets are unused
  std::shared_ptr<Stream> stream;  // set: the samples are read from here, front to back
  // How a training epoch is cut into batches (forge/batch_plan.hpp: bucketed by length, balanced
  // by class, sequential); null: shuffled by --seed. Not for a stream.
  std::shared_ptr<BatchPlanner> planner;

  static Dataset of(std::shared_ptr<Source> source) { return {{}, {}, std::move(source), nullptr}; }
  static Dataset of(std::shared_ptr<Stream> stream) { return {{}, {}, nullptr, std::move(stream)}; }

  bool in_memory() const { return !source && !stream; }
  int64_t size() const {
    if (source) return source->size();
    if (stream) return stream->samples_per_epoch();
    return inputs.defined() ? inputs.size(0) : 0;
  }
};

// A plain value in the data map.
using Value = std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<std::string>>;

class BOOST_SYMBOL_VISIBLE DataMap {
 public:
  std::map<std::string, Dataset> datasets;
  std::map<std::string, torch::Tensor> tensors;
  std::map<std::string, Value> values;

  bool has_dataset(const std::string& name) const { return datasets.count(name) != 0; }

  // Throws std::out_of_range naming the missing dataset.
  const Dataset& dataset(const std::string& name) const {
    auto it = datasets.find(name);
    if (it == datasets.end()) throw std::out_of_range("the data map has no dataset named '" + name + "'");
    return it->second;
  }

  // How many outputs a model needs: the value `num_outputs` when present (regression),
  // else `num_classes`.
  int64_t output_size() const {
    return values.count("num_outputs") ? value<int64_t>("num_outputs") : value<int64_t>("num_classes");
  }

  // Throws std::out_of_range when the value is missing, std::bad_variant_access when it has
  // another type.
  template <class T>
  const T& value(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) throw std::out_of_range("the data map has no value named '" + name + "'");
    return std::get<T>(it->second);
  }
};

}  // namespace forge
