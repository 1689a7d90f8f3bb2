#include "train/optimizer_state.hpp"

#include "train/channels_last.hpp"
#include "train/optimizer_state_key.hpp"

#include <cstring>
#include <sstream>

namespace forge {
namespace {

using namespace torch::optim;
using Fields = std::vector<std::pair<const char*, torch::Tensor*>>;

// What a checkpoint keeps of each torch::optim state type: its tensors and its step counter.
Fields fields(SGDParamState& s) { return {{"momentum_buffer", &s.momentum_buffer()}}; }
Fields fields(AdamParamState& s) {
  return {{"exp_avg", &s.exp_avg()}, {"exp_avg_sq", &s.exp_avg_sq()}, {"max_exp_avg_sq", &s.max_exp_avg_sq()}};
}
Fields fields(AdamWParamState& s) {
  return {{"exp_avg", &s.exp_avg()}, {"exp_avg_sq", &s.exp_avg_sq()}, {"max_exp_avg_sq", &s.max_exp_avg_sq()}};
}
Fields fields(RMSpropParamState& s) {
  return {{"square_avg", &s.square_avg()}, {"momentum_buffer", &s.momentum_buffer()}, {"grad_avg", &s.grad_avg()}};
}
Fields fields(AdagradParamState& s) { return {{"sum", &s.sum()}}; }
int64_t* step_of(SGDParamState&) { return nullptr; }
template <class State>
int64_t* step_of(State& s) {
  return &s.step();
}

// The kind of state the optimizer keeps, by its class (forge's fused ones derive from Adam and
// RMSprop); "" for a kind this file does not know.
std::string kind_of(Optimizer& optimizer) {
  if (dynamic_cast<SGD*>(&optimizer)) return "sgd";
  if (dynamic_cast<Adam*>(&optimizer)) return "adam";
  if (dynamic_cast<AdamW*>(&optimizer)) return "adamw";
  if (dynamic_cast<RMSprop*>(&optimizer)) return "rmsprop";
  if (dynamic_cast<Adagrad*>(&optimizer)) return "adagrad";
  return "";
}

std::vector<torch::Tensor> all_parameters(Optimizer& optimizer) {
  std::vector<torch::Tensor> parameters;
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params()) parameters.push_back(p);
  return parameters;
}

std::string field_name(const std::string& prefix, size_t parameter, const char* field) {
  return prefix + std::to_string(parameter) + "/" + field;
}

template <class State>
nlohmann::json capture_states(Optimizer& optimizer, const std::string& prefix, NamedTensors& tensors) {
  nlohmann::json states = nlohmann::json::array();
  auto& map = optimizer.state();
  const auto parameters = all_parameters(optimizer);
  for (size_t i = 0; i < parameters.size(); ++i) {
    auto found = map.find(optimizer_state_key(map, parameters[i]));
    if (found == map.end()) continue;  // no step has touched it yet
    auto& state = static_cast<State&>(*found->second);
    nlohmann::json entry{{"parameter", i}};
    if (int64_t* step = step_of(state)) entry["step"] = *step;
    for (auto& [field, tensor] : fields(state))
      if (tensor->defined()) tensors.emplace_back(field_name(prefix, i, field), *tensor);
    states.push_back(entry);
  }
  return states;
}

template <class State>
void restore_states(Optimizer& optimizer, const nlohmann::json& states, const std::string& prefix,
                    const std::function<torch::Tensor(const std::string&)>& tensor) {
  auto& map = optimizer.state();
  const auto parameters = all_parameters(optimizer);
  for (const auto& entry : states) {
    const auto i = entry.at("parameter").get<size_t>();
    if (i >= parameters.size()) throw std::out_of_range("optimizer state of parameter " + std::to_string(i));
    auto state = std::make_unique<State>();
    if (int64_t* step = step_of(*state)) *step = entry.at("step").get<int64_t>();
    for (auto& [field, slot] : fields(*state)) {
      torch::Tensor saved = tensor(field_name(prefix, i, field));
      if (!saved.defined()) continue;
      if (saved.sizes() != parameters[i].sizes() || saved.scalar_type() != parameters[i].scalar_type())
        throw std::out_of_range(field_name(prefix, i, field) + " does not have its parameter's shape and type");
      // In its parameter's layout, as a step would have made it (zeros_like): a fused kernel
      // walks both in memory order.
      *slot = laid_out_like(saved.to(parameters[i].device()), parameters[i]);
    }
    map[optimizer_state_key(map, parameters[i])] = std::move(state);
  }
}

// Any other optimizer: its own serialisation, kept as bytes.
torch::Tensor whole_archive(Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::ostringstream out;
  archive.save_to(out);
  const std::string bytes = out.str();
  torch::Tensor tensor = torch::empty({int64_t(bytes.size())}, torch::kUInt8);
  std::memcpy(tensor.data_ptr(), bytes.data(), bytes.size());
  return tensor;
}

}  // namespace

nlohmann::json capture_optimizer_state(Optimizer& optimizer, const std::string& prefix, NamedTensors& tensors) {
  // libtorch 1.13 does not restore param-group options (the learning rate) on load.
  std::vector<double> rates;
  for (const auto& group : optimizer.param_groups()) rates.push_back(group.options().get_lr());
  const std::string kind = kind_of(optimizer);
  nlohmann::json record{{"kind", kind.empty() ? "archive" : kind},
                        {"learning_rates", rates},
                        {"parameters", all_parameters(optimizer).size()}};
  if (kind == "sgd") record["states"] = capture_states<SGDParamState>(optimizer, prefix, tensors);
  if (kind == "adam") record["states"] = capture_states<AdamParamState>(optimizer, prefix, tensors);
  if (kind == "adamw") record["states"] = capture_states<AdamWParamState>(optimizer, prefix, tensors);
  if (kind == "rmsprop") record["states"] = capture_states<RMSpropParamState>(optimizer, prefix, tensors);
  if (kind == "adagrad") record["states"] = capture_states<AdagradParamState>(optimizer, prefix, tensors);
  if (kind.empty()) tensors.emplace_back(prefix + "archive", whole_archive(optimizer));
  return record;
}

void restore_optimizer_state(Optimizer& optimizer, const nlohmann::json& record, const std::string& prefix,
                             const std::function<torch::Tensor(const std::string&)>& tensor) {
  const std::string saved_kind = record.at("kind").get<std::string>();
  const std::string kind = kind_of(optimizer).empty() ? "archive" : kind_of(optimizer);
  if (saved_kind != kind)
    throw std::invalid_argument("its optimizer state is " + saved_kind + "'s, and this run's optimizer is " + kind);
  const size_t parameters = all_parameters(optimizer).size();
  if (record.at("parameters").get<size_t>() != parameters)
    throw std::invalid_argument("its optimizer has " + record.at("parameters").dump() + " parameters, this one " +
                                std::to_string(parameters));
  if (kind == "archive") {
    torch::Tensor bytes = tensor(prefix + "archive");
    if (!bytes.defined()) throw std::out_of_range("no " + prefix + "archive");
    torch::serialize::InputArchive archive;
    archive.load_from(static_cast<const char*>(bytes.data_ptr()), size_t(bytes.numel()));
    optimizer.load(archive);
  }
  const nlohmann::json& states = record.contains("states") ? record.at("states") : nlohmann::json::array();
  if (kind == "sgd") restore_states<SGDParamState>(optimizer, states, prefix, tensor);
  if (kind == "adam") restore_states<AdamParamState>(optimizer, states, prefix, tensor);
  if (kind == "adamw") restore_states<AdamWParamState>(optimizer, states, prefix, tensor);
  if (kind == "rmsprop") restore_states<RMSpropParamState>(optimizer, states, prefix, tensor);
  if (kind == "adagrad") restore_states<AdagradParamState>(optimizer, states, prefix, tensor);
  const auto rates = record.at("learning_rates").get<std::vector<double>>();
  auto& groups = optimizer.param_groups();
  for (size_t i = 0; i < groups.size() && i < rates.size(); ++i) groups[i].options().set_lr(rates[i]);
}

}  // namespace forge
