#include "train/initial_weights.hpp"

#include "core/weights_file.hpp"
#include "train/checkpoint.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace forge {
namespace {

std::string shape_text(const torch::Tensor& tensor) { return c10::str(tensor.sizes()); }

std::string joined(const std::vector<std::string>& names, size_t at_most = 8) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < at_most; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > at_most) out += " and " + std::to_string(names.size() - at_most) + " more";
  return out;
}

bool starts_forge_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[9] = {};
  in.read(magic, 9);
  return in && std::string(magic, 9) == "FORGECKPT";
}

torch::ScalarType scalar_type_of(const std::string& dtype) {
  static const std::map<std::string, torch::ScalarType> types{
      {"float32", torch::kFloat32},   {"float64", torch::kFloat64}, {"float16", torch::kFloat16},
      {"bfloat16", torch::kBFloat16}, {"int64", torch::kInt64},     {"int32", torch::kInt32},
      {"int16", torch::kInt16},       {"int8", torch::kInt8},       {"uint8", torch::kUInt8},
      {"bool", torch::kBool}};
  return types.at(dtype);
}

// The tensors of a torch.save file, each read once its window was checked against its storage
// (core/weights_file.hpp); tensors that share a storage read it once.
InitialWeights read_state_dict(const std::string& path) {
  WeightsFile file(path);
  InitialWeights weights{path, {}};
  std::map<uint64_t, torch::Tensor> storages;
  for (const StoredTensor& stored : file.tensors()) {
    torch::Tensor& storage = storages[stored.storage_at];
    if (!storage.defined()) {
      storage = torch::empty({int64_t(stored.storage_elements)}, torch::TensorOptions(scalar_type_of(stored.dtype)));
      file.read_storage(stored, storage.data_ptr());
    }
    weights.tensors[stored.name] = storage.as_strided(stored.sizes, stored.strides, stored.storage_offset).clone();
  }
  return weights;
}

// The module's parameters and (defined) buffers by name: what initial weights are matched to.
std::map<std::string, torch::Tensor> tensors_by_name(const torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> targets;
  for (const auto& p : module.named_parameters()) targets[p.key()] = p.value();
  for (const auto& b : module.named_buffers())
    if (b.value().defined()) targets[b.key()] = b.value();
  return targets;
}

}  // namespace

InitialWeights weights_of_checkpoint(const CheckpointContents& contents, const std::string& source) {
  if (contents.format == 1)
    throw Error(ExitCode::run, source + " is a checkpoint of forge 0.1; resume or export it with this forge first");
  const std::string prefix = "model/";
  InitialWeights weights{source, {}};
  for (const auto& entry : contents.tensors)
    if (entry.first.rfind(prefix, 0) == 0)
      weights.tensors[entry.first.substr(prefix.size())] = checkpoint_tensor(contents, entry.first);
  if (weights.tensors.empty()) throw Error(ExitCode::run, source + " holds no model tensors");
  return weights;
}

InitialWeights read_weights_file(const std::string& path) {
  if (starts_forge_checkpoint(path)) return weights_of_checkpoint(read_checkpoint_file(path), path);
  return read_state_dict(path);
}

WeightRenames parse_weight_renames(const std::string& text) {
  WeightRenames pairs;
  std::stringstream list(text);
  for (std::string pair; std::getline(list, pair, ',');) {
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    if (equals == std::string::npos)
      throw Error(ExitCode::usage, "--init_rename " + pair + ": expected OLD=NEW (e.g. fc=head)");
    pairs.emplace_back(pair.substr(0, equals), pair.substr(equals + 1));
  }
  return pairs;
}

void rename_weights(InitialWeights& weights, const WeightRenames& pairs) {
  std::vector<size_t> used(pairs.size(), 0);
  std::map<std::string, torch::Tensor> renamed;
  for (auto& [name, tensor] : weights.tensors) {
    std::string now = name;
    for (size_t i = 0; i < pairs.size(); ++i) {
      const auto& [from, to] = pairs[i];
      const bool whole = name == from, prefix = from.empty() || name.rfind(from + ".", 0) == 0;
      if (!whole && !prefix) continue;
      now = whole ? to : to + name.substr(from.empty() ? 0 : from.size());
      ++used[i];
      break;
    }
    if (!renamed.emplace(now, tensor).second)
      throw Error(ExitCode::run, "--init_rename gives two tensors of " + weights.source + " the name " + now);
  }
  for (size_t i = 0; i < pairs.size(); ++i)
    if (!used[i]) {
      std::vector<std::string> names;
      for (const auto& entry : weights.tensors) names.push_back(entry.first);
      throw Error(ExitCode::usage, "--init_rename " + pairs[i].first + "=" + pairs[i].second +
                                       " matches no tensor of " + weights.source + " (its names: " + joined(names) +
                                       ")");
    }
  weights.tensors = std::move(renamed);
}

size_t drop_mismatched_weights(const torch::nn::Module& module, InitialWeights& weights) {
  std::map<std::string, torch::Tensor> targets = tensors_by_name(module);
  size_t dropped = 0;
  for (auto it = weights.tensors.begin(); it != weights.tensors.end();) {
    auto target = targets.find(it->first);
    if (target == targets.end() || target->second.sizes() == it->second.sizes()) {
      ++it;
      continue;
    }
    spdlog::warn("{} is {} in {} and {} here: kept as initialised (--init_skip_mismatched)", it->first,
                 shape_text(it->second), weights.source, shape_text(target->second));
    it = weights.tensors.erase(it);
    ++dropped;
  }
  return dropped;
}

void apply_initial_weights(torch::nn::Module& module, const InitialWeights& weights, bool strict) {
  std::map<std::string, torch::Tensor> targets = tensors_by_name(module);
  std::vector<std::string> mismatched, missing, unexpected;
  for (const auto& [name, target] : targets) {
    auto found = weights.tensors.find(name);
    if (found == weights.tensors.end())
      missing.push_back(name);
    else if (found->second.sizes() != target.sizes())
      mismatched.push_back(name + " (" + shape_text(found->second) + " there, " + shape_text(target) + " here)");
  }
  for (const auto& [name, tensor] : weights.tensors)
    if (!targets.count(name)) unexpected.push_back(name);
  if (!mismatched.empty())
    throw Error(ExitCode::run, "the weights of " + weights.source +
                                   " do not fit this model: " + joined(mismatched, mismatched.size()) +
                                   " (--init_skip_mismatched keeps those as initialised)");
  if (strict && (!missing.empty() || !unexpected.empty()))
    throw Error(ExitCode::run, "the weights of " + weights.source + " do not match this model by name (--init_strict)" +
                                   (missing.empty() ? "" : "; missing: " + joined(missing)) +
                                   (unexpected.empty() ? "" : "; unexpected: " + joined(unexpected)));
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : targets) {
    auto found = weights.tensors.find(name);
    if (found != weights.tensors.end()) target.copy_(found->second);
  }
  spdlog::info("initial weights from {}: {} of {} tensors", weights.source, targets.size() - missing.size(),
               targets.size());
  if (!missing.empty()) spdlog::warn("not in {}, kept as initialised: {}", weights.source, joined(missing));
  if (!unexpected.empty()) spdlog::warn("in {} but not in the model, ignored: {}", weights.source, joined(unexpected));
}

void save_initial_weights(const std::string& path, const InitialWeights& weights) {
  CheckpointState state;
  state.meta["initial_weights_from"] = weights.source;
  for (const auto& [name, tensor] : weights.tensors)
    state.tensors.emplace_back("model/" + name, tensor.detach().to(torch::kCPU).contiguous());
  write_checkpoint(path, state);
}

void freeze_parameters(torch::nn::Module& module, const std::string& names) {
  std::stringstream list(names);
  std::string name;
  while (std::getline(list, name, ',')) {
    if (name.empty()) continue;
    size_t frozen = 0;
    for (auto& p : module.named_parameters()) {
      const std::string& key = p.key();
      if (key == name || key.rfind(name + ".", 0) == 0) {
        p.value().set_requires_grad(false);
        ++frozen;
      }
    }
    if (frozen == 0) {
      std::set<std::string> top;
      for (const auto& p : module.named_parameters()) top.insert(p.key().substr(0, p.key().find('.')));
      throw Error(ExitCode::usage, "--freeze names '" + name + "', which is no parameter or module of this model " +
                                       "(its top-level names: " + joined({top.begin(), top.end()}, 12) + ")");
    }
  }
}

}  // namespace forge
