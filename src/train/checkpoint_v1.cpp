#include "train/checkpoint_v1.hpp"

#include "core/exception_text.hpp"
#include "train/torch_compat.hpp"

#include <forge/error.hpp>

#include <algorithm>

namespace forge {
namespace {

// Names and shapes of a module's parameters and buffers: libtorch's Module::load replaces
// tensors whatever their shape, so forge compares before and after itself.
std::vector<std::pair<std::string, std::vector<int64_t>>> tensor_shapes(torch::nn::Module& model) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
  for (const auto& p : model.named_parameters()) shapes.emplace_back(p.key(), p.value().sizes().vec());
  for (const auto& b : model.named_buffers()) shapes.emplace_back(b.key(), b.value().sizes().vec());
  return shapes;
}

// The model's parameter names in registration order, one per line: libtorch matches optimizer
// state to parameters by position, so a model that registers them in another order would get
// another parameter's state.
std::string parameter_order(torch::nn::Module& model) {
  std::string names;
  for (const auto& p : model.named_parameters()) names += p.key() + "\n";
  return names;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

void check_same_shapes(torch::nn::Module& model,
                       const std::vector<std::pair<std::string, std::vector<int64_t>>>& expected,
                       const std::string& path) {
  auto loaded = tensor_shapes(model);
  for (size_t i = 0; i < expected.size() && i < loaded.size(); ++i)
    if (loaded[i] != expected[i])
      throw Error(ExitCode::run, "checkpoint " + path + " does not fit this model: " + expected[i].first +
                                     " has shape " + shape_text(expected[i].second) + " in the model and " +
                                     shape_text(loaded[i].second) + " in the checkpoint");
}

// Checkpoints written before --early_stopping existed lack some keys: those start afresh.
GoalState read_goal_state(torch::serialize::InputArchive& archive, const std::string& prefix) {
  GoalState state;
  c10::IValue watched;
  torch::Tensor step, value, stale;
  if (archive.try_read(prefix + "_watched", watched)) state.watched = watched.toStringRef();
  if (archive.try_read(prefix + "_step", step)) state.best_step = step.item<int64_t>();
  if (archive.try_read(prefix + "_value", value)) state.best_value = value.item<double>();
  if (archive.try_read(prefix + "_stale", stale)) state.stale = stale.item<int64_t>();
  return state;
}

// A name → double map written by write_sums; empty when the archive has no such key.
std::map<std::string, double> read_sums(torch::serialize::InputArchive& archive, const std::string& key) {
  std::map<std::string, double> out;
  torch::serialize::InputArchive sums;
  if (!archive.try_read(key, sums)) return out;
  for (const auto& name : sums.keys()) {
    torch::Tensor t;
    sums.read(name, t);
    out[name] = t.item<double>();
  }
  return out;
}

// The position's fields of a loaded archive.
TrainingPosition read_position(torch::serialize::InputArchive& archive) {
  auto read_int = [&](const char* key) {
    torch::Tensor t;
    archive.read(key, t);
    return t.item<int64_t>();
  };
  TrainingPosition position;
  position.epoch = read_int("epoch");
  position.batch = read_int("batch");
  position.step = read_int("step");
  position.epoch_batches = read_int("epoch_batches");
  position.epoch_sums = read_sums(archive, "epoch_sums");
  // Checkpoints written before the --log_every rows were interval means lack these: the
  // first interval after resuming then covers the resumed steps only.
  torch::Tensor log_batches;
  if (archive.try_read("log_batches", log_batches)) position.log_batches = log_batches.item<int64_t>();
  position.log_sums = read_sums(archive, "log_sums");
  return position;
}

}  // namespace

TrainingPosition load_checkpoint_v1(const std::string& payload, const std::string& path, torch::nn::Module& model,
                                    torch::optim::Optimizer* optimizer, torch::Device device) {
  if (optimizer && !compat::restores_format1_optimizer_state)
    throw Error(ExitCode::run, "checkpoint " + path +
                                   " is in forge 0.1's format, whose optimizer state only libtorch " +
                                   "1.x restores (this forge is built with libtorch " + TORCH_VERSION +
                                   "); evaluate or export it here, or resume it with a forge built on libtorch 1.x");
  TrainingPosition position;
  try {
    torch::serialize::InputArchive archive, model_archive;
    archive.load_from(payload.data(), payload.size(), device);
    archive.read("model", model_archive);
    auto expected_shapes = tensor_shapes(model);
    model.load(model_archive);
    check_same_shapes(model, expected_shapes, path);
    position = read_position(archive);
    if (optimizer) {
      c10::IValue saved_order;
      if (archive.try_read("parameter_order", saved_order) && saved_order.toStringRef() != parameter_order(model))
        throw Error(ExitCode::run, "checkpoint " + path + " does not fit this model: it registers its parameters in " +
                                       "another order than when the checkpoint was written, and optimizer state " +
                                       "is matched to parameters by position");
      torch::serialize::InputArchive optimizer_archive;
      archive.read("optimizer", optimizer_archive);
      optimizer->load(optimizer_archive);
      torch::Tensor rates, rng, device_rng;
      archive.read("learning_rates", rates);
      rates = rates.cpu();
      auto& groups = optimizer->param_groups();
      for (size_t i = 0; i < groups.size() && i < size_t(rates.numel()); ++i)
        groups[i].options().set_lr(rates[i].item<double>());
      archive.read("rng_state", rng);
      at::Generator generator = at::detail::getDefaultCPUGenerator();  // a handle to the default
      generator.set_state(rng.cpu());
      if (device.is_cuda() && archive.try_read("device_rng_state", device_rng)) {
        at::Generator device_generator = at::globalContext().defaultGenerator(device);
        device_generator.set_state(device_rng.cpu());
      }
    }
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Error(ExitCode::run, "checkpoint " + path + " does not fit this model: " + exception_text(e));
  } catch (const std::exception& e) {
    // libtorch's TorchScript importer throws its own exceptions (torch::jit::ErrorReport) on
    // an archive it cannot make sense of: found by checkpoint_fuzz.
    throw Error(ExitCode::run, "checkpoint " + path + " is damaged: " + exception_text(e));
  }
  return position;
}

namespace {

// The archive of a checkpoint's payload, without a model to load it into.
template <class Read>
auto read_archive(const std::string& payload, const std::string& path, Read read) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(payload.data(), payload.size());
    return read(archive);
  } catch (const std::exception& e) {  // c10::Error, and the importer's own (see load_checkpoint_v1)
    throw Error(ExitCode::run, "checkpoint " + path + " is damaged: " + exception_text(e));
  }
}

}  // namespace

TrainingPosition checkpoint_v1_position(const std::string& payload, const std::string& path) {
  return read_archive(payload, path, [](torch::serialize::InputArchive& archive) { return read_position(archive); });
}

std::pair<GoalState, GoalState> checkpoint_v1_goals(const std::string& payload, const std::string& path) {
  return read_archive(payload, path, [](torch::serialize::InputArchive& archive) {
    return std::make_pair(read_goal_state(archive, "best"), read_goal_state(archive, "early"));
  });
}

}  // namespace forge
