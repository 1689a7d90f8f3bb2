// The steps that train, resume and eval share: getting a plugin ready (resolve, compile,
// load), forge's own flags, loading data and model with exceptions turned into forge errors,
// and the process-wide settings (threads, seed, denormals) a run asks for.
#pragma once

#include <forge/model.hpp>

#include "core/flag_set.hpp"
#include "plugins/plugin_loader.hpp"
#include "runs/checkpoint.hpp"
#include "runs/manifest.hpp"
#include "runs/snapshot.hpp"
#include "train/data_parallel.hpp"

#include <memory>
#include <string>
#include <vector>

namespace forge {

struct PreparedPlugin {
  LoadedPlugin loaded;
  PluginFiles files;  // what a run snapshots
};

// Resolves `given`, compiles it when it is a source, loads it and checks its kind.
PreparedPlugin prepare_plugin(const std::string& given, PluginKind kind);

// Loads the plugin a run saved (its manifest record); when the saved library cannot be loaded
// (say forge was upgraded) and the run holds the source, rebuilds it from that source.
PreparedPlugin prepare_saved_plugin(const std::string& run_dir, const json& record, PluginKind kind);

// The flags of `forge train` itself.
std::vector<FlagSpec> train_flags();

// forge's flags followed by the data and the model plugin's.
FlagSet train_flag_set(const PreparedPlugin& data, const PreparedPlugin& model);

// Calls the plugins' load functions; their exceptions become Error(ExitCode::data) or
// Error(ExitCode::plugin) naming the plugin.
DataMap load_data(const PreparedPlugin& plugin, const Flags& flags);
std::shared_ptr<Model> load_model(const PreparedPlugin& plugin, const Flags& flags, const DataMap& data);

// Applies --threads, --seed, --flush_denormal and --deterministic to the process; returns the
// thread count.
int apply_process_settings(const Flags& flags);

// A --seed of -1 means "draw one": replaces it with a drawn seed, logs it, and returns true.
bool draw_seed_if_unset(Flags& flags);

// Data-parallel: joins the group of this run's processes when this process is one of them
// (torchrun's RANK and WORLD_SIZE are set), within --dist_timeout; null otherwise. Ranks other
// than 0 log warnings and errors only, prefixed with their rank, and take rank 0's --seed
// when it is drawn (-1).
std::shared_ptr<DataParallelGroup> join_data_parallel_group(Flags& flags);

// Makes every rank's model rank 0's (they start from the same seed; this makes sure).
void share_initial_model(DataParallelGroup* group, Model& model);

// The device --device names. Throws Error(ExitCode::usage) when it is malformed, or names CUDA
// and this libtorch or machine has none.
torch::Device parse_device(const std::string& text);

// The data map's `task` value (classification when absent). Throws Error(ExitCode::data) for
// another value.
Task task_of(const DataMap& data);

// The data map and model a run trains, as its flags make them: plugins loaded, --valid_fraction
// carved, the model's task set and the model on --device.
struct LoadedRun {
  DataMap data;
  std::shared_ptr<Model> model;
  torch::Device device = torch::kCPU;
};
LoadedRun load_run(const PreparedPlugin& data_plugin, const PreparedPlugin& model_plugin, const Flags& flags);

// A run folder opened for resume or eval: its record, its saved flags, its plugins loaded.
struct SavedRun {
  std::string dir;
  json manifest;
  Flags flags;
  PreparedPlugin data_plugin;
  PreparedPlugin model_plugin;
};

// Throws Error(ExitCode::run) when `run_dir` is not a run folder.
SavedRun open_saved_run(const std::string& run_dir);

// A run's model as its checkpoint at `step` left it, built by the run's own plugins from its
// saved flags (applied to the process first), with the data map it was built for, on `device`.
struct RestoredModel {
  DataMap data;
  std::shared_ptr<Model> model;
  TrainingPosition position;
};
RestoredModel restore_model(const SavedRun& run, int64_t step, const std::string& device = "cpu");

// Every parameter and buffer of a module, by name, in registration order.
using NamedState = std::vector<std::pair<std::string, torch::Tensor>>;
NamedState named_state(torch::nn::Module& module);

// Where two states first differ — the tensor's name, and the largest difference or a shape
// mismatch — or "" when they are bitwise identical.
std::string first_difference(const NamedState& a, const NamedState& b);

// For `forge resume|eval RUN_DIR [flags]`: prints `usage` and the options and returns true when
// help was asked for; throws Error(ExitCode::usage) when no run folder was given.
bool print_run_command_help(const std::vector<std::string>& args, const std::string& usage, const FlagSet& options);

// flags.json of a run, as Flags, and its JSON form for a flag set.
Flags read_saved_flags(const std::string& run_dir);
json flags_to_json(const FlagSet& set, const Flags& flags);

}  // namespace forge
