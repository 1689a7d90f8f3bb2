// Calling the plugins: the data map and the model a run trains, as its flags make them. The
// plugins' exceptions become forge errors naming the plugin.
#pragma once

#include "app/prepared_plugin.hpp"
#include "core/flag_set.hpp"

#include <forge/model.hpp>

#include <memory>

namespace forge {

// Calls the plugins' load functions; their exceptions become Error(ExitCode::data) or
// Error(ExitCode::plugin) naming the plugin.
DataMap load_data(const PreparedPlugin& plugin, const Flags& flags);
std::shared_ptr<Model> load_model(const PreparedPlugin& plugin, const Flags& flags, const DataMap& data);

// The data map's `task` value (classification when absent). Throws Error(ExitCode::data) for
// another value.
Task task_of(const DataMap& data);

// Plugins loaded, --valid_fraction carved, the model's task set and the model on --device,
// laid out channels-last with --channels_last.
struct LoadedRun {
  DataMap data;
  std::shared_ptr<Model> model;
  torch::Device device = torch::kCPU;
  bool channels_last = false;
};
LoadedRun load_run(const PreparedPlugin& data_plugin, const PreparedPlugin& model_plugin, const Flags& flags);

}  // namespace forge
