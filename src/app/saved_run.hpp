// A run folder opened for resume, eval, export and the public API: its record, its saved
// flags, its own plugins loaded — and its model restored from one of its checkpoints.
#pragma once

#include "app/checkpoint_choice.hpp"
#include "app/loaded_run.hpp"
#include "app/prepared_plugin.hpp"
#include "runs/manifest.hpp"
#include "train/training_state.hpp"

#include <string>

namespace forge {

struct SavedRun {
  std::string dir;
  Manifest manifest;
  Flags flags;
  PreparedPlugin data_plugin;
  PreparedPlugin model_plugin;
};

// Throws Error(ExitCode::run) when `run_dir` is not a run folder, or a plugin library in it
// cannot be trusted and rebuilt (see prepare_saved_plugin; `force` loads it anyway).
SavedRun open_saved_run(const std::string& run_dir, bool force = false);

// Which weights a restored model gets: its own; the checkpoint's --ema_decay average
// (Error(ExitCode::run) when it holds none); or the ones the run evaluated — the average when
// the checkpoint holds one.
enum class WeightsChoice { raw, average, as_evaluated };

// A run's model as its `checkpoint` left it, built by the run's own plugins from its
// saved flags (applied to the process first), with the data map it was built for, on `device`.
struct RestoredModel {
  DataMap data;
  std::shared_ptr<Model> model;
  TrainingPosition position;
  bool averaged = false;  // its parameters are the checkpoint's average
};
RestoredModel restore_model(const SavedRun& run, const ChosenCheckpoint& checkpoint, const std::string& device = "cpu",
                            WeightsChoice weights = WeightsChoice::raw);

}  // namespace forge
