#include "cli/session.hpp"

#include "core/error.hpp"
#include "core/exception_text.hpp"
#include "plugins/plugin_compiler.hpp"
#include "plugins/plugin_resolver.hpp"
#include "runs/run_dir.hpp"

#include <boost/filesystem.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <iostream>

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
      text_flag("data", "", "data plugin: a built-in name (mnist, synthetic), a .so, or a .cpp to compile"),
      text_flag("model", "", "model plugin: a built-in name (mlp, cnn), a .so, or a .cpp to compile"),
      text_flag("config", "", "config file of flag values (name = value lines); command-line flags win"),
      text_flag("checkpoint_dir", "checkpoints", "folder that holds the runs"),
      text_flag("run_name", "", "runs go to <checkpoint_dir>/<run_name>/<N> (default: <data>_<model>)"),
      text_flag("run_dir", "", "train in this folder instead: start a run there, or resume the one it holds"),
      integer_flag("epochs", 5, "epochs to train"),
      integer_flag("batch_size", 32, "mini-batch size"),
      text_flag("optimizer", "adam", "sgd | adam | adamw | rmsprop"),
      real_flag("lr", "0.001", "learning rate"),
      real_flag("momentum", "0", "momentum (sgd, rmsprop)"),
      real_flag("weight_decay", "0", "weight decay"),
      integer_flag("seed", 0, "seed of the shuffling and of the generator the model draws from"),
      integer_flag("threads", 0, "CPU threads libtorch uses (0: libtorch's default)"),
      integer_flag("log_every", 100, "log a line every N steps"),
      integer_flag("checkpoint_every", 0, "also checkpoint every N steps (0: only at the end of each epoch)"),
      integer_flag("keep_checkpoints", 3, "keep the newest K checkpoints (0: all)"),
      text_flag("keep_best", "", "also keep the best checkpoint by this metric, e.g. test/accuracy:max or train/loss:min"),
      integer_flag("stop_after_steps", 0, "stop as if interrupted once this many steps are done (0: never)"),
      bool_flag("force", false, "resume even when the run's plugins, libtorch or exactness-breaking flags changed"),
      bool_flag("flush_denormal", true, "flush denormal floats to zero (much faster optimizer steps on x86)"),
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
  torch::manual_seed(uint64_t(flags.integer("seed")));
  return torch::get_num_threads();
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

RestoredModel restore_model(const SavedRun& run, int64_t step) {
  apply_process_settings(run.flags);
  RestoredModel restored;
  restored.data = load_data(run.data_plugin, run.flags);
  restored.model = load_model(run.model_plugin, run.flags, restored.data);
  restored.position = load_checkpoint(checkpoint_path(run.dir, step), restored.model->module(), nullptr);
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
  Flags flags;
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
