// The public API of forge/run.hpp: what `forge eval` does to get a model, for other programs.
#include <forge/run.hpp>

#include "app/checkpoint_choice.hpp"
#include "app/run_flags.hpp"
#include "app/saved_run.hpp"
#include "core/suggest.hpp"
#include "runs/checkpoint_files.hpp"
#include "runs/run_dir.hpp"

namespace forge {

LoadedCheckpoint load_from_checkpoint(const std::string& run_dir, const LoadOptions& options) {
  require_run_dir(run_dir);
  const ChosenCheckpoint checkpoint =
      choose_checkpoint(run_dir, options.checkpoint, "load");  // before any plugin loads
  SavedRun run = open_saved_run(run_dir, options.force);
  const FlagSet known = train_flag_set(run.data_plugin, run.model_plugin);
  for (const auto& [name, value] : options.override_flags) {
    if (!known.declares(name)) {
      const std::string guess = closest_name(name, known.names());
      throw Error(ExitCode::usage, "override_flags: run " + run_dir + " has no flag '" + name + "'" +
                                       (guess.empty() ? "" : "; did you mean " + guess + "?") +
                                       " (its flags are forge's and its plugins'; see its flags.json)");
    }
    run.flags.set(name, known.normalise(name, value));
  }
  run.flags.set("device", options.device);
  RestoredModel restored =
      restore_model(run, checkpoint, options.device, options.average ? WeightsChoice::average : WeightsChoice::raw);
  restored.model->module().eval();
  return {run_dir, checkpoint.step, restored.position.epoch, run.flags, std::move(restored.data), restored.model};
}

std::vector<int64_t> list_run_checkpoints(const std::string& run_dir) {
  require_run_dir(run_dir);
  return list_checkpoints(run_dir);
}

}  // namespace forge
