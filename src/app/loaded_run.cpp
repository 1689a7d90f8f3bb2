#include "app/loaded_run.hpp"

#include "core/exception_text.hpp"
#include "train/channels_last.hpp"
#include "train/data_parallel.hpp"
#include "train/device.hpp"
#include "train/validation_split.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <variant>

namespace forge {
namespace {

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

}  // namespace

DataMap load_data(const PreparedPlugin& plugin, const Flags& flags) {
  DataMap data = call_plugin(plugin, ExitCode::data, [&] { return plugin.loaded.load_data(flags); });
  if (!data.has_dataset("train") && !data.has_dataset("test"))
    throw Error(ExitCode::data, plugin_label(plugin) + " returned no 'train' or 'test' dataset");
  for (const auto& [name, set] : data.datasets) {
    if (set.stream && set.planner)
      throw Error(ExitCode::data, plugin_label(plugin) + ": dataset '" + name +
                                      "' is a stream, read in its own order: it takes no batch planner");
    if (!set.in_memory()) {
      const Dataset& on_demand = set;
      int64_t size = call_plugin(plugin, ExitCode::data, [&] { return on_demand.size(); });
      if (size < 1) throw Error(ExitCode::data, plugin_label(plugin) + ": dataset '" + name + "' has no samples");
      continue;
    }
    if (!set.inputs.defined() || !set.targets.defined() || set.inputs.size(0) != set.targets.size(0))
      throw Error(ExitCode::data, plugin_label(plugin) + ": dataset '" + name +
                                      "' needs inputs and targets with the same number of rows");
  }
  return data;
}

std::shared_ptr<Model> load_model(const PreparedPlugin& plugin, const Flags& flags, const DataMap& data) {
  auto model = call_plugin(plugin, ExitCode::plugin, [&] { return plugin.loaded.load_model(flags, data); });
  if (!model) throw Error(ExitCode::plugin, plugin_label(plugin) + " returned no model");
  return model;
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
  run.device = parse_device(flags.text("device"), local_rank_from_environment());
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
  // A run recorded before --channels_last was trained without it.
  run.channels_last = flags.has("channels_last") && flags.boolean("channels_last");
  if (run.channels_last) lay_out_channels_last(run.model->module());
  return run;
}

}  // namespace forge
