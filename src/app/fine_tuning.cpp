#include "app/fine_tuning.hpp"

#include "app/checkpoint_choice.hpp"
#include "runs/run_files.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>

namespace forge {
namespace {

// RUN_DIR or RUN_DIR:CHECKPOINT, where CHECKPOINT is a step or "best" (a folder whose name ends
// in ":<digits>" is named with a trailing ":" and the checkpoint, e.g. "runs/a:1:best").
InitialWeights weights_of_run(const std::string& text) {
  std::string run_dir = text, asked;
  const size_t colon = text.rfind(':');
  if (colon != std::string::npos) {
    const std::string tail = text.substr(colon + 1);
    if (tail == "best" || (!tail.empty() && tail.find_first_not_of("0123456789") == std::string::npos)) {
      run_dir = text.substr(0, colon);
      asked = tail;
    }
  }
  if (!boost::filesystem::exists(manifest_file(run_dir)))
    throw Error(ExitCode::run, "--init_from " + text + ": " + run_dir + " is not a forge run folder");
  ChosenCheckpoint chosen = choose_checkpoint(run_dir, asked, "initialise from");
  const std::string path = checkpoint_path(run_dir, chosen.step);
  if (!chosen.contents) chosen.contents = std::make_shared<CheckpointContents>(read_checkpoint_file(path));
  return weights_of_checkpoint(*chosen.contents, path);
}

}  // namespace

std::optional<InitialWeights> prepare_fine_tuning(const Flags& flags, Model& model) {
  const std::string from = flags.text("init_from"), file = flags.text("init_weights");
  if (!from.empty() && !file.empty()) throw Error(ExitCode::usage, "give --init_from or --init_weights, not both");
  const WeightRenames renames = parse_weight_renames(flags.has("init_rename") ? flags.text("init_rename") : "");
  std::optional<InitialWeights> weights;
  if (!from.empty()) weights = weights_of_run(from);
  if (!file.empty()) weights = read_weights_file(file);
  if (weights) {
    if (!renames.empty()) rename_weights(*weights, renames);
    if (flags.has("init_skip_mismatched") && flags.boolean("init_skip_mismatched"))
      drop_mismatched_weights(model.module(), *weights);
    apply_initial_weights(model.module(), *weights, flags.boolean("init_strict"));
  }
  freeze_parameters(model.module(), flags.text("freeze"));
  return weights;
}

void keep_initial_weights(const std::string& run_dir, const InitialWeights& weights) {
  save_initial_weights(initial_weights_file(run_dir), weights);
}

void resume_fine_tuning(const std::string& run_dir, const Flags& flags, Model& model, bool from_start) {
  const std::string kept = initial_weights_file(run_dir);
  if (from_start && boost::filesystem::exists(kept))
    apply_initial_weights(model.module(), read_weights_file(kept), flags.boolean("init_strict"));
  freeze_parameters(model.module(), flags.text("freeze"));
}

}  // namespace forge
