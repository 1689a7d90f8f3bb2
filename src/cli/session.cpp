#include "cli/session.hpp"

#include "core/exception_text.hpp"
#include "plugins/build_config.hpp"
#include "plugins/plugin_compiler.hpp"
#include "plugins/plugin_resolver.hpp"
#include "runs/run_dir.hpp"
#include "train/validation_split.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>

namespace fs = boost::filesystem;

namespace forge {
namespace {

std::string plugin_label(const PreparedPlugin& p) {
  return std::string(kind_name(p.loaded.kind)) + " plugin " + fs::path(p.loaded.library).stem().string();
}

// Runs a plugin's code, turning whatever it throws into a forge error naming the plugin.
template <class Call>
auto call_plugin(const PreparedPlugin& plugin, ExitCode code, Call call) -> decltype(call()) {
  try {
    return call();
  } catch (const Error&) {
    throw;
  } catch (const std::bad_variant_access&) {
    throw Error(code, plugin_label(plugin) + " failed to load: a data map value has another type than it expects");
  } catch (const std::exception& e) {
    throw Error(code, plugin_label(plugin) + " failed to load: " + exception_text(e));
  }
}

PluginFiles compile_and_describe(const std::string& source, const std::string& role, const std::string& given) {
  auto started = std::chrono::steady_clock::now();
  CompiledPlugin compiled = compile_plugin(source);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (compiled.from_cache)
    spdlog::info("{} plugin {}: cached build {}", role, source, compiled.library);
  else
    spdlog::info("{} plugin {}: compiled in {:.1f} s -> {}", role, source, seconds, compiled.library);
  return {role, given, compiled.library, source, compiled.headers};
}

}  // namespace

PreparedPlugin prepare_plugin(const std::string& given, PluginKind kind) {
  std::string role = kind_name(kind);
  std::string path = resolve_plugin(given);
  PreparedPlugin plugin;
  if (is_plugin_source(path)) {
    plugin.files = compile_and_describe(path, role, given);
  } else {
    // A library: snapshot the source beside it too when there is one (built-in plugins).
    fs::path source = fs::path(path).replace_extension(".cpp");
    plugin.files = {role, given, path, fs::is_regular_file(source) ? source.string() : "", {}};
  }
  plugin.loaded = load_plugin(plugin.files.library, kind);
  return plugin;
}

PreparedPlugin prepare_saved_plugin(const std::string& run_dir, const json& record, PluginKind kind) {
  std::string role = kind_name(kind);
  std::string library = run_dir + "/" + record.value("library", "");
  PreparedPlugin plugin;
  plugin.files = {role, record.value("given", ""), library, "", {}};
  try {
    plugin.loaded = load_plugin(library, kind);
    return plugin;
  } catch (const Error& e) {
    if (!record.contains("source")) throw;
    spdlog::warn("{}; rebuilding it from the source saved in the run", e.what());
  }
  std::string source = run_dir + "/plugins/" + role + "/src/" + record["source"].get<std::string>();
  plugin.files = compile_and_describe(source, role, plugin.files.given);
  plugin.loaded = load_plugin(plugin.files.library, kind);
  return plugin;
}

std::vector<FlagSpec> train_flags() {
  return {
      text_flag("data", "", "data plugin: a built-in name (mnist, synthetic, csv), a .so, or a .cpp to compile"),
      text_flag("model", "", "model plugin: a built-in name (mlp, cnn), a .so, or a .cpp to compile"),
      text_flag("config", "", "config file of flag values (name = value lines); command-line flags win"),
      text_flag("checkpoint_dir", "checkpoints", "folder that holds the runs"),
      text_flag("run_name", "", "runs go to <checkpoint_dir>/<run_name>/<N> (default: <data>_<model>)"),
      text_flag("run_dir", "", "train in this folder instead: start a run there, or resume the one it holds"),
      integer_flag("epochs", 5, "epochs to train"),
      integer_flag("max_steps", 0, "train this many optimizer steps instead of --epochs (0: --epochs decides)"),
      integer_flag("batch_size", 32, "mini-batch size"),
      integer_flag("accumulate", 1, "mini-batches whose gradients add up to one optimizer step"),
      text_flag("optimizer", "adam", "sgd | adam | adamw | rmsprop"),
      real_flag("lr", "0.001", "learning rate (the peak rate of a schedule)"),
      real_flag("momentum", "0", "momentum (sgd, rmsprop)"),
      real_flag("weight_decay", "0", "weight decay"),
      real_flag("clip_grad_norm", "0", "clip the gradients' global L2 norm to this (0: no clipping)"),
      text_flag("lr_schedule", "constant", "constant | step | cosine | onecycle (rates by optimizer step)"),
      integer_flag("warmup_steps", 0, "linear warm-up steps (onecycle: its rise, default 30% of the run)"),
      integer_flag("lr_step_size", 0, "step schedule: multiply the rate by --lr_gamma every N steps (0: every epoch)"),
      real_flag("lr_gamma", "0.1", "step schedule: the factor"),
      real_flag("min_lr", "0", "cosine and onecycle: the final rate"),
      real_flag("valid_fraction", "0", "carve this fraction of train into a seeded 'valid' set, evaluated each epoch"),
      integer_flag("eval_every_steps", 0, "also evaluate 'valid' (and checkpoint) every N steps (0: at epoch ends)"),
      integer_flag("eval_test_every", 0, "also evaluate 'test' every N epochs (0: only at the end of the run)"),
      text_flag("early_stopping", "", "end the run when a metric stops improving: split[/metric:min|max][:patience[:min_delta]], e.g. valid/loss:min:5"),
      text_flag("keep_best", "", "also keep the best checkpoint by split[/metric:min|max], e.g. valid/accuracy:max (valid alone: the model's metric)"),
      integer_flag("seed", -1, "seed of every generator forge and the plugins use (-1: draw one, print and record it)"),
      bool_flag("deterministic", false, "ask libtorch for deterministic algorithms (an error where an op has none)"),
      text_flag("device", "cpu", "cpu | cuda | cuda:N"),
      integer_flag("threads", 0, "CPU threads libtorch uses (0: libtorch's default)"),
      integer_flag("log_every", 100, "log a line and record the train metrics and steps/s at every N-th step"),
      bool_flag("no_progress", false, "no progress bar on a terminal (the log lines of --log_every instead)"),
      integer_flag("checkpoint_every", 0, "also checkpoint every N steps (0: only at the end of each epoch)"),
      integer_flag("keep_checkpoints", 3, "keep the newest K checkpoints (0: all)"),
      integer_flag("stop_after_steps", 0, "stop as if interrupted once this many steps are done (0: never)"),
      bool_flag("force", false, "resume even when the run's plugins, libtorch or exactness-breaking flags changed"),
      bool_flag("flush_denormal", true, "flush denormal floats to zero (much faster optimizer steps on x86)"),
      integer_flag("nproc_per_node", 1, "data-parallel: worker processes on this node (--batch_size is per process)"),
      integer_flag("nnodes", 1, "data-parallel: nodes taking part (each runs forge with its --node_rank)"),
      integer_flag("node_rank", 0, "data-parallel: this node's number, 0 to --nnodes - 1"),
      text_flag("master_addr", "127.0.0.1", "data-parallel: address of rank 0's node, where the workers meet"),
      integer_flag("master_port", 0, "data-parallel: port of the rendezvous on --master_addr (0: a free one; one node only)"),
      integer_flag("dist_timeout", 60, "data-parallel: seconds to wait for every rank to arrive, and for each exchange"),
  };
}

FlagSet train_flag_set(const PreparedPlugin& data, const PreparedPlugin& model) {
  FlagSet set;
  set.declare(train_flags(), "forge");
  set.declare(data.loaded.flags, plugin_label(data));
  set.declare(model.loaded.flags, plugin_label(model));
  return set;
}

DataMap load_data(const PreparedPlugin& plugin, const Flags& flags) {
  DataMap data = call_plugin(plugin, ExitCode::data, [&] { return plugin.loaded.load_data(flags); });
  if (!data.has_dataset("train") && !data.has_dataset("test"))
    throw Error(ExitCode::data, plugin_label(plugin) + " returned no 'train' or 'test' dataset");
  for (const auto& [name, set] : data.datasets)
    if (!set.inputs.defined() || !set.targets.defined() || set.inputs.size(0) != set.targets.size(0))
      throw Error(ExitCode::data, plugin_label(plugin) + ": dataset '" + name +
                                      "' needs inputs and targets with the same number of rows");
  return data;
}

std::shared_ptr<Model> load_model(const PreparedPlugin& plugin, const Flags& flags, const DataMap& data) {
  auto model = call_plugin(plugin, ExitCode::plugin, [&] { return plugin.loaded.load_model(flags, data); });
  if (!model) throw Error(ExitCode::plugin, plugin_label(plugin) + " returned no model");
  return model;
}

int apply_process_settings(const Flags& flags) {
  if (flags.integer("threads") < 0) throw Error(ExitCode::usage, "--threads must not be negative");
  if (flags.integer("threads") > 0) torch::set_num_threads(int(flags.integer("threads")));
  at::globalContext().setFlushDenormal(flags.boolean("flush_denormal"));
  if (flags.integer("seed") < 0) throw Error(ExitCode::usage, "--seed must not be negative (-1 alone means: draw one)");
  // torch::manual_seed seeds the CPU generator and every CUDA device's; std::rand is seeded for
  // plugins that use it.
  torch::manual_seed(uint64_t(flags.integer("seed")));
  std::srand(unsigned(flags.integer("seed")));
  bool deterministic = flags.boolean("deterministic");
  at::globalContext().setDeterministicAlgorithms(deterministic, /*warn_only=*/false);
  if (deterministic) {
    at::globalContext().setDeterministicCuDNN(true);
    at::globalContext().setBenchmarkCuDNN(false);
    setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);  // what cuBLAS needs to be deterministic
  }
  return torch::get_num_threads();
}

bool draw_seed_if_unset(Flags& flags) {
  if (flags.integer("seed") != -1) return false;
  // Small enough to type back: 0 .. 2^31 - 1.
  std::random_device entropy;
  int64_t seed = std::uniform_int_distribution<int64_t>(0, (int64_t(1) << 31) - 1)(entropy);
  flags.set("seed", std::to_string(seed));
  spdlog::info("seed {} (drawn; repeat this run with --seed {})", seed, seed);
  return true;
}

std::shared_ptr<DataParallelGroup> join_data_parallel_group(Flags& flags) {
  const WorldPosition world = world_from_environment();
  if (world.world_size == 1) return nullptr;
  if (flags.integer("dist_timeout") < 1) throw Error(ExitCode::usage, "--dist_timeout must be at least 1 (seconds)");
  if (world.rank != 0) {
    spdlog::set_level(spdlog::level::warn);
    spdlog::set_pattern("[rank " + std::to_string(world.rank) + "] %v");
  }
  auto group = std::make_shared<DataParallelGroup>(world, std::chrono::seconds(flags.integer("dist_timeout")));
  if (world.rank == 0) draw_seed_if_unset(flags);
  flags.set("seed", group->share_text("seed", flags.text("seed")));
  spdlog::info("data-parallel: rank 0 of {}, rendezvous at {}:{}", world.world_size, world.master_addr, world.master_port);
  return group;
}

void share_initial_model(DataParallelGroup* group, Model& model) {
  if (!group) return;
  std::vector<torch::Tensor> state;
  for (const auto& [name, tensor] : named_state(model.module())) state.push_back(tensor.detach());
  group->broadcast(state);
}

torch::Device parse_device(const std::string& text) {
  std::optional<torch::Device> device;
  try {
    device = torch::Device(text);
  } catch (const c10::Error&) {
  }
  if (!device || !(device->is_cpu() || device->is_cuda()))
    throw Error(ExitCode::usage, "invalid value '" + text + "' for --device: expected cpu, cuda or cuda:N");
  if (device->is_cuda()) {
    if (!torch::cuda::is_available())
      throw Error(ExitCode::usage, "--device " + text + ": this libtorch (" + build_config().libtorch_version +
                                       ") or machine has no CUDA; use --device cpu");
    if (device->has_index() && device->index() >= int(torch::cuda::device_count()))
      throw Error(ExitCode::usage, "--device " + text + ": this machine has " +
                                       std::to_string(torch::cuda::device_count()) + " CUDA device(s)");
    // An explicit index: the device's generator (saved in checkpoints) is looked up by it.
    if (!device->has_index()) device = torch::Device(torch::kCUDA, 0);
  }
  return *device;
}

Task task_of(const DataMap& data) {
  auto it = data.values.find("task");
  if (it == data.values.end()) return Task::classification;
  const std::string* task = std::get_if<std::string>(&it->second);
  if (task && *task == "classification") return Task::classification;
  if (task && *task == "regression") return Task::regression;
  throw Error(ExitCode::data, "the data map's 'task' value must be \"classification\" or \"regression\"");
}

LoadedRun load_run(const PreparedPlugin& data_plugin, const PreparedPlugin& model_plugin, const Flags& flags) {
  LoadedRun run;
  run.device = parse_device(flags.text("device"));
  run.data = load_data(data_plugin, flags);
  double fraction = flags.real("valid_fraction");
  if (!(fraction >= 0 && fraction < 1)) throw Error(ExitCode::usage, "--valid_fraction must lie in [0, 1)");
  if (fraction > 0 && run.data.has_dataset("valid"))
    spdlog::info("the data plugin made its own 'valid' set; forge carves nothing more for --valid_fraction");
  else if (fraction > 0 && run.data.has_dataset("train"))
    carve_validation_split(run.data, fraction, flags.integer("seed"));
  run.model = load_model(model_plugin, flags, run.data);
  run.model->set_task(task_of(run.data));
  run.model->module().to(run.device);
  return run;
}

SavedRun open_saved_run(const std::string& run_dir) {
  require_run_dir(run_dir);
  SavedRun run{run_dir, read_json(run_dir + "/manifest.json"), read_saved_flags(run_dir), {}, {}};
  if (!run.manifest.contains("plugins"))
    throw Error(ExitCode::run, run_dir + "/manifest.json records no plugins; the run folder is damaged");
  run.data_plugin = prepare_saved_plugin(run_dir, run.manifest["plugins"]["data"], PluginKind::data);
  run.model_plugin = prepare_saved_plugin(run_dir, run.manifest["plugins"]["model"], PluginKind::model);
  return run;
}

RestoredModel restore_model(const SavedRun& run, int64_t step, const std::string& device) {
  Flags flags = run.flags;
  flags.set("device", device);
  apply_process_settings(flags);
  LoadedRun loaded = load_run(run.data_plugin, run.model_plugin, flags);
  RestoredModel restored{std::move(loaded.data), loaded.model, {}};
  restored.position = load_checkpoint(checkpoint_path(run.dir, step), restored.model->module(), nullptr, loaded.device);
  return restored;
}

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

bool print_run_command_help(const std::vector<std::string>& args, const std::string& usage, const FlagSet& options) {
  if (!args.empty() && args[0] != "--help" && args[0] != "-h") return false;
  std::cout << usage << options.help();
  if (args.empty()) throw Error(ExitCode::usage, "no run folder given; " + usage.substr(0, usage.find('\n')));
  return true;
}

Flags read_saved_flags(const std::string& run_dir) {
  json saved = read_json(run_dir + "/flags.json");
  // forge's flags at their defaults first: a run recorded before a flag existed ran as its
  // default does.
  Flags flags;
  for (const auto& spec : train_flags()) flags.set(spec.name, spec.default_value);
  for (const auto& [name, value] : saved.items())
    flags.set(name, value.is_string() ? value.get<std::string>() : value.dump());
  return flags;
}

json flags_to_json(const FlagSet& set, const Flags& flags) {
  json out = json::object();
  for (const auto& [name, text] : flags.all()) {
    switch (set.spec(name).type) {
      case FlagType::integer: out[name] = std::stoll(text); break;
      case FlagType::real: out[name] = std::stod(text); break;
      case FlagType::boolean: out[name] = flags.boolean(name); break;
      case FlagType::text: out[name] = text; break;
    }
  }
  return out;
}

}  // namespace forge
