#include "app/saved_run.hpp"

#include "app/process_settings.hpp"
#include "app/run_flags.hpp"
#include "runs/manifest.hpp"
#include "runs/run_dir.hpp"
#include "runs/run_files.hpp"
#include "train/builtin_callbacks.hpp"
#include "train/checkpoint.hpp"
#include "train/weight_average.hpp"

#include <forge/error.hpp>

namespace forge {

SavedRun open_saved_run(const std::string& run_dir, bool force) {
  require_run_dir(run_dir);
  SavedRun run{run_dir, read_manifest(run_dir), read_saved_flags(run_dir), {}, {}};
  const auto& plugins = run.manifest.plugins;
  if (!plugins.count("data") || !plugins.count("model"))
    throw Error(ExitCode::run, manifest_file(run_dir) + " records no plugins; the run folder is damaged");
  run.data_plugin = prepare_saved_plugin(run_dir, plugins.at("data"), PluginKind::data, force);
  run.model_plugin = prepare_saved_plugin(run_dir, plugins.at("model"), PluginKind::model, force);
  return run;
}

RestoredModel restore_model(const SavedRun& run, const ChosenCheckpoint& checkpoint, const std::string& device,
                            WeightsChoice weights) {
  Flags flags = run.flags;
  flags.set("device", device);
  apply_process_settings(flags);
  LoadedRun loaded = load_run(run.data_plugin, run.model_plugin, flags);
  RestoredModel restored{std::move(loaded.data), loaded.model, {}, false};
  const std::string path = checkpoint_path(run.dir, checkpoint.step);
  std::shared_ptr<const CheckpointContents> contents = checkpoint.contents;  // read when it was chosen
  if (!contents) contents = std::make_shared<CheckpointContents>(read_checkpoint_file(path));
  restored.position = load_checkpoint(*contents, path, restored.model->module(), nullptr, loaded.device);
  if (weights == WeightsChoice::raw) return restored;
  std::map<std::string, CallbackState> states = checkpoint_callback_states(*contents, path);
  auto average = states.find(ema_callback);
  if (average == states.end() && weights == WeightsChoice::as_evaluated) return restored;
  load_averages_into(restored.model->module(),
                     average == states.end() ? std::map<std::string, torch::Tensor>{} : average->second.tensors, path);
  restored.averaged = true;
  return restored;
}

}  // namespace forge
