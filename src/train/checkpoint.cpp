#include "train/checkpoint.hpp"

#include "core/exception_text.hpp"
#include "train/builtin_callbacks.hpp"
#include "train/checkpoint_v1.hpp"

#include <forge/error.hpp>

#include <cmath>
#include <set>

namespace forge {
namespace {

using TensorLookup = std::function<torch::Tensor(const std::string&)>;

const std::vector<std::pair<torch::ScalarType, std::string>>& dtype_names() {
  static const std::vector<std::pair<torch::ScalarType, std::string>> names{{torch::kFloat64, "float64"},
                                                                            {torch::kFloat32, "float32"},
                                                                            {torch::kFloat16, "float16"},
                                                                            {torch::kBFloat16, "bfloat16"},
                                                                            {torch::kInt64, "int64"},
                                                                            {torch::kInt32, "int32"},
                                                                            {torch::kInt16, "int16"},
                                                                            {torch::kInt8, "int8"},
                                                                            {torch::kUInt8, "uint8"},
                                                                            {torch::kBool, "bool"},
                                                                            {torch::kComplexFloat, "complex64"},
                                                                            {torch::kComplexDouble, "complex128"}};
  return names;
}

std::string dtype_name(const std::string& tensor, torch::ScalarType type) {
  for (const auto& [t, name] : dtype_names())
    if (t == type) return name;
  throw Error(ExitCode::failure, std::string("cannot checkpoint ") + tensor + ": its element type " +
                                     c10::toString(type) + " is not one a checkpoint holds");
}

torch::ScalarType scalar_type(const std::string& name) {
  for (const auto& [type, n] : dtype_names())
    if (n == name) return type;
  throw std::out_of_range("element type " + name);  // the frame checked it: not reached
}

// Numbers that may be infinite or NaN (a diverged loss's sums, a goal not reached yet): JSON
// has no words for those, so they are written as text.
nlohmann::json number(double value) {
  if (std::isfinite(value)) return value;
  return std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf";
}

double number_from(const nlohmann::json& value) {
  if (!value.is_string()) return value.get<double>();
  const std::string text = value.get<std::string>();
  if (text == "nan") return std::nan("");
  if (text == "inf" || text == "-inf") return text == "inf" ? INFINITY : -INFINITY;
  throw std::invalid_argument("not a number: " + text);
}

nlohmann::json sums_record(const std::map<std::string, double>& sums) {
  nlohmann::json record = nlohmann::json::object();
  for (const auto& [name, sum] : sums) record[name] = number(sum);
  return record;
}

std::map<std::string, double> sums_from(const nlohmann::json& record) {
  std::map<std::string, double> sums;
  for (const auto& [name, sum] : record.items()) sums[name] = number_from(sum);
  return sums;
}

// What --keep_best or --early_stopping had seen, as checkpoints before callbacks kept it in the position.
GoalState goal_from(const nlohmann::json& record) {
  return {record.at("watched").get<std::string>(), record.at("best_step").get<int64_t>(),
          number_from(record.at("best_value")), record.at("stale").get<int64_t>()};
}

nlohmann::json position_record(const TrainingPosition& p) {
  return {{"epoch", p.epoch},
          {"batch", p.batch},
          {"step", p.step},
          {"epoch_sums", sums_record(p.epoch_sums)},
          {"epoch_batches", p.epoch_batches},
          {"log_sums", sums_record(p.log_sums)},
          {"log_batches", p.log_batches},
          {"loss_scale",
           {{"scale", p.loss_scale.scale}, {"good_steps", p.loss_scale.good_steps}, {"skipped", p.loss_scale.skipped}}},
          {"bad_samples", p.bad_samples}};
}

TrainingPosition position_from(const nlohmann::json& record) {
  TrainingPosition p;
  p.epoch = record.at("epoch").get<int64_t>();
  p.batch = record.at("batch").get<int64_t>();
  p.step = record.at("step").get<int64_t>();
  p.epoch_sums = sums_from(record.at("epoch_sums"));
  p.epoch_batches = record.at("epoch_batches").get<int64_t>();
  p.log_sums = sums_from(record.at("log_sums"));
  p.log_batches = record.at("log_batches").get<int64_t>();
  if (record.contains("loss_scale")) {  // absent from checkpoints of forge before --precision
    const auto& scale = record.at("loss_scale");
    p.loss_scale = {scale.at("scale").get<double>(), scale.at("good_steps").get<int64_t>(),
                    scale.at("skipped").get<int64_t>()};
  }
  if (record.contains("bad_samples")) p.bad_samples = record.at("bad_samples").get<int64_t>();  // forge before sources
  return p;
}

// The model's parameter names in registration order: libtorch's optimizers know parameters
// only by position, so a model that registers them in another order would get another
// parameter's optimizer state.
std::vector<std::string> parameter_order(torch::nn::Module& model) {
  std::vector<std::string> names;
  for (const auto& p : model.named_parameters()) names.push_back(p.key());
  return names;
}

std::string shape_text(const torch::Tensor& tensor) {
  std::string out = "[";
  for (int64_t i = 0; i < tensor.dim(); ++i) out += (i ? ", " : "") + std::to_string(tensor.size(i));
  return out + "]";
}

// A tensor detached from autograd, contiguous and on the CPU: what a checkpoint writes.
torch::Tensor writable(const torch::Tensor& tensor) { return tensor.detach().to(torch::kCPU).contiguous(); }

// The model's parameters and buffers from the checkpoint, by name. `keep_memory`: the model's
// tensors become the checkpoint's (no copy, the file's memory stays theirs: for training, whose
// optimizer state lives there too); else they are copied into and the memory goes with the
// checkpoint (evaluation).
void restore_model(torch::nn::Module& model, const CheckpointContents& contents, const TensorLookup& saved_tensor,
                   bool keep_memory, const std::string& path) {
  const std::string misfit = "checkpoint " + path + " does not fit this model: ";
  std::set<std::string> restored;
  auto restore = [&](const std::string& name, torch::Tensor& target) {
    if (!target.defined()) return;
    torch::Tensor saved = saved_tensor("model/" + name);
    restored.insert("model/" + name);
    if (!saved.defined()) throw Error(ExitCode::run, misfit + "it has no " + name);
    if (saved.sizes() != target.sizes())
      throw Error(ExitCode::run, misfit + name + " has shape " + shape_text(target) + " in the model and " +
                                     shape_text(saved) + " in the checkpoint");
    if (saved.scalar_type() != target.scalar_type())
      throw Error(ExitCode::run, misfit + name + " is " + c10::toString(target.scalar_type()) + " in the model and " +
                                     c10::toString(saved.scalar_type()) + " in the checkpoint");
    saved = saved.to(target.device());
    // Saved contiguous: a tensor laid out otherwise (--channels_last) keeps its own layout.
    if (keep_memory && saved.strides() == target.strides())
      target.set_data(saved);
    else
      target.copy_(saved);
  };
  torch::NoGradGuard no_grad;
  for (auto& p : model.named_parameters()) restore(p.key(), p.value());
  for (auto& b : model.named_buffers()) restore(b.key(), b.value());
  for (const auto& entry : contents.tensors)
    if (entry.first.rfind("model/", 0) == 0 && !restored.count(entry.first))
      throw Error(ExitCode::run, misfit + "it holds " + entry.first.substr(6) + ", which this model lacks");
}

void restore_generators(const TensorLookup& saved_tensor, torch::Device device) {
  torch::Tensor cpu = saved_tensor("rng/cpu");
  if (!cpu.defined()) throw std::out_of_range("no rng/cpu");
  at::Generator generator = at::detail::getDefaultCPUGenerator();  // a handle to the default
  generator.set_state(cpu.clone());
  torch::Tensor device_state = saved_tensor("rng/device");
  if (device.is_cuda() && device_state.defined()) {
    at::Generator device_generator = at::globalContext().defaultGenerator(device);
    device_generator.set_state(device_state.clone());
  }
}

std::string optimizer_prefix(const std::string& name) { return "optimizer/" + name + "/"; }

// Each optimizer's state from its record: by name, or a checkpoint of forge before named
// optimizers (a single "optimizer" record) into a run's only optimizer.
void restore_optimizers(const nlohmann::json& meta, const CheckpointSubject& subject, const TensorLookup& saved_tensor,
                        int64_t position_step) {
  if (!meta.contains("optimizers")) {
    if (subject.optimizers.size() != 1)
      throw std::invalid_argument("it holds one optimizer, and this run configures " +
                                  std::to_string(subject.optimizers.size()));
    const OptimizerEntry& only = subject.optimizers.front();
    restore_optimizer_state(*only.optimizer, meta.at("optimizer"), "optimizer/", saved_tensor);
    if (only.steps) *only.steps = position_step;
    return;
  }
  const nlohmann::json& saved = meta.at("optimizers");
  std::string saved_names, names;
  for (const auto& record : saved)
    saved_names += (saved_names.empty() ? "" : ", ") + record.at("name").get<std::string>();
  for (const auto& entry : subject.optimizers) names += (names.empty() ? "" : ", ") + entry.name;
  if (saved_names != names)
    throw std::invalid_argument("it holds the optimizers " + saved_names + ", and this run configures " + names);
  for (size_t i = 0; i < saved.size(); ++i) {
    const OptimizerEntry& entry = subject.optimizers[i];
    restore_optimizer_state(*entry.optimizer, saved[i].at("state"), optimizer_prefix(entry.name), saved_tensor);
    if (entry.steps) *entry.steps = saved[i].at("steps").get<int64_t>();
  }
}

std::string callback_prefix(const std::string& name) { return "callback/" + name + "/"; }

// The goals' records of checkpoints before callbacks, under their callbacks' names; those never
// set (a run without the flag) are left out.
void add_legacy_goals(std::map<std::string, CallbackState>& states, const GoalState& best, const GoalState& early) {
  if (!best.watched.empty() || best.best_step >= 0) states[keep_best_callback] = goal_callback_state(best);
  if (!early.watched.empty() || early.best_step >= 0) states[early_stopping_callback] = goal_callback_state(early);
}

std::map<std::string, CallbackState> callback_states_v2(const CheckpointContents& contents) {
  std::map<std::string, CallbackState> states;
  const nlohmann::json& meta = contents.meta;
  if (!meta.contains("callbacks")) {  // forge before callbacks
    const nlohmann::json& position = meta.at("position");
    add_legacy_goals(states, goal_from(position.at("best")), goal_from(position.at("early")));
    auto averages = checkpoint_tensors(contents, "ema/");
    if (!averages.empty()) states[ema_callback].tensors = std::move(averages);
    return states;
  }
  for (const auto& [name, record] : meta.at("callbacks").items()) {
    CallbackState& state = states[name];
    state.numbers = sums_from(record.at("numbers"));
    state.texts = record.at("texts").get<std::map<std::string, std::string>>();
    state.tensors = checkpoint_tensors(contents, callback_prefix(name));
  }
  return states;
}

TrainingPosition load_v2(const CheckpointContents& contents, const std::string& path, CheckpointSubject& subject,
                         bool training, torch::Device device) {
  TensorLookup saved_tensor = [&contents](const std::string& name) { return checkpoint_tensor(contents, name); };
  const nlohmann::json& meta = contents.meta;
  TrainingPosition position = position_from(meta.at("position"));
  torch::nn::Module& model = subject.module;
  restore_model(model, contents, saved_tensor, training, path);
  subject.extra = checkpoint_tensors(contents, "extra/");
  subject.callbacks = callback_states_v2(contents);
  if (!training) return position;
  if (meta.at("parameter_order").get<std::vector<std::string>>() != parameter_order(model))
    throw Error(ExitCode::run, "checkpoint " + path + " does not fit this model: it registers its parameters in " +
                                   "another order than when the checkpoint was written, and optimizer state " +
                                   "is matched to parameters by position");
  try {
    restore_optimizers(meta, subject, saved_tensor, position.step);
  } catch (const std::invalid_argument& e) {
    throw Error(ExitCode::run, "checkpoint " + path + " does not fit this run: " + e.what());
  }
  restore_generators(saved_tensor, device);
  return position;
}

TrainingPosition load_any(const CheckpointContents& contents, const std::string& path, CheckpointSubject& subject,
                          bool training, torch::Device device) {
  if (contents.format == 1) {
    if (training && subject.optimizers.size() != 1)
      throw Error(ExitCode::run, "checkpoint " + path + " is in forge 0.1's format, which holds one optimizer; " +
                                     "this run configures " + std::to_string(subject.optimizers.size()));
    TrainingPosition position = load_checkpoint_v1(contents.archive, path, subject.module,
                                                   training ? subject.optimizers.front().optimizer : nullptr, device);
    subject.callbacks = checkpoint_callback_states(contents, path);
    return position;
  }
  try {
    return load_v2(contents, path, subject, training, device);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {  // a record of the wrong shape, a generator state libtorch refuses
    throw Error(ExitCode::run, "checkpoint " + path + " is damaged: " + exception_text(e));
  }
}

}  // namespace

torch::Tensor checkpoint_tensor(const CheckpointContents& contents, const std::string& name) {
  auto found = contents.tensors.find(name);
  if (found == contents.tensors.end()) return {};
  const CheckpointTensor& t = found->second;
  std::shared_ptr<void> memory = contents.memory;
  return torch::from_blob(
      const_cast<void*>(t.data), t.shape, [memory](void*) {}, torch::TensorOptions(scalar_type(t.dtype)));
}

std::map<std::string, torch::Tensor> checkpoint_tensors(const CheckpointContents& contents, const std::string& prefix) {
  std::map<std::string, torch::Tensor> out;
  if (contents.format == 1) return out;
  for (const auto& entry : contents.tensors)
    if (entry.first.rfind(prefix, 0) == 0)
      out[entry.first.substr(prefix.size())] = checkpoint_tensor(contents, entry.first).clone();
  return out;
}

CheckpointSubject::CheckpointSubject(torch::nn::Module& module) : module(module) {}

CheckpointSubject::CheckpointSubject(torch::nn::Module& module, torch::optim::Optimizer& optimizer)
    : module(module), optimizers{{"main", &optimizer, nullptr}} {}

CheckpointSubject::CheckpointSubject(torch::nn::Module& module, OptimizerSet& optimizers,
                                     std::map<std::string, torch::Tensor> extra)
    : module(module), extra(std::move(extra)) {
  for (auto& o : optimizers.all()) this->optimizers.push_back({o.name, o.optimizer.get(), &o.steps});
}

CheckpointState capture_checkpoint_state(const CheckpointSubject& subject, const TrainingPosition& position,
                                         torch::Device device) {
  CheckpointState state;
  torch::nn::Module& model = subject.module;
  for (const auto& p : model.named_parameters()) state.tensors.emplace_back("model/" + p.key(), p.value());
  for (const auto& b : model.named_buffers())
    if (b.value().defined()) state.tensors.emplace_back("model/" + b.key(), b.value());
  nlohmann::json optimizers = nlohmann::json::array();
  for (const auto& entry : subject.optimizers)
    optimizers.push_back(
        {{"name", entry.name},
         {"steps", entry.steps ? *entry.steps : position.step},
         {"state", capture_optimizer_state(*entry.optimizer, optimizer_prefix(entry.name), state.tensors)}});
  state.meta["optimizers"] = optimizers;
  for (const auto& [name, tensor] : subject.extra)
    if (tensor.defined()) state.tensors.emplace_back("extra/" + name, tensor);
  nlohmann::json callbacks = nlohmann::json::object();
  for (const auto& [name, callback] : subject.callbacks) {
    callbacks[name] = {{"numbers", sums_record(callback.numbers)}, {"texts", callback.texts}};
    for (const auto& [key, tensor] : callback.tensors)
      if (tensor.defined()) state.tensors.emplace_back(callback_prefix(name) + key, tensor);
  }
  state.meta["callbacks"] = callbacks;
  for (auto& entry : state.tensors) entry.second = writable(entry.second);
  state.tensors.emplace_back("rng/cpu", at::detail::getDefaultCPUGenerator().get_state());
  if (device.is_cuda())
    state.tensors.emplace_back("rng/device", at::globalContext().defaultGenerator(device).get_state());
  state.meta["position"] = position_record(position);
  state.meta["parameter_order"] = parameter_order(model);
  return state;
}

void write_checkpoint(const std::string& path, const CheckpointState& state) {
  std::vector<std::pair<std::string, CheckpointTensor>> tensors;
  for (const auto& [name, t] : state.tensors)
    tensors.emplace_back(name, CheckpointTensor{dtype_name(name, t.scalar_type()), t.sizes().vec(), t.data_ptr(),
                                                uint64_t(t.numel()) * t.element_size()});
  write_checkpoint_file(path, state.meta, tensors);
}

void save_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                     const TrainingPosition& position, torch::Device device) {
  write_checkpoint(path, capture_checkpoint_state(CheckpointSubject(model, optimizer), position, device));
}

TrainingStart restore_training(const CheckpointContents& contents, const std::string& path, CheckpointSubject& subject,
                               torch::Device device) {
  TrainingStart start;
  start.position = load_any(contents, path, subject, true, device);
  start.resumed = true;
  start.model_extra = std::move(subject.extra);
  start.callbacks = std::move(subject.callbacks);
  return start;
}

std::map<std::string, CallbackState> checkpoint_callback_states(const CheckpointContents& contents,
                                                                const std::string& path) {
  std::map<std::string, CallbackState> states;
  if (contents.format == 1) {
    auto [best, early] = checkpoint_v1_goals(contents.archive, path);
    add_legacy_goals(states, best, early);
    return states;
  }
  try {
    return callback_states_v2(contents);
  } catch (const std::exception& e) {
    throw Error(ExitCode::run, "checkpoint " + path + " is damaged: " + exception_text(e));
  }
}

TrainingPosition load_checkpoint(const CheckpointContents& contents, const std::string& path, torch::nn::Module& model,
                                 torch::optim::Optimizer* optimizer, torch::Device device) {
  CheckpointSubject subject = optimizer ? CheckpointSubject(model, *optimizer) : CheckpointSubject(model);
  return load_any(contents, path, subject, optimizer != nullptr, device);
}

TrainingPosition load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                                 torch::Device device) {
  return load_checkpoint(read_checkpoint_file(path), path, model, optimizer, device);
}

namespace {

TrainingPosition position_of(const nlohmann::json& meta, const std::string& path) {
  try {
    return position_from(meta.at("position"));
  } catch (const std::exception& e) {
    throw Error(ExitCode::run, "checkpoint " + path + " is damaged: " + exception_text(e));
  }
}

}  // namespace

TrainingPosition checkpoint_position(const CheckpointContents& contents, const std::string& path) {
  return contents.format == 1 ? checkpoint_v1_position(contents.archive, path) : position_of(contents.meta, path);
}

TrainingPosition read_checkpoint_position(const std::string& path) {
  std::optional<nlohmann::json> meta = read_checkpoint_meta(path);
  return meta ? position_of(*meta, path) : checkpoint_position(read_checkpoint_file(path), path);
}

}  // namespace forge
