#include "app/checkpoint_choice.hpp"

#include "runs/checkpoint_files.hpp"
#include "train/builtin_callbacks.hpp"
#include "train/checkpoint.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

#include <stdexcept>

namespace forge {
namespace {

std::string available(const std::string& run_dir) {
  std::string out;
  for (int64_t step : list_checkpoints(run_dir)) out += (out.empty() ? "" : ", ") + std::to_string(step);
  return out.empty() ? "none" : out;
}

ChosenCheckpoint newest_intact(const std::string& run_dir, const std::string& purpose) {
  ChosenCheckpoint newest = newest_valid_checkpoint(run_dir);
  if (newest.step < 0)
    throw Error(ExitCode::run,
                "run " + run_dir + " has no intact checkpoint to " + purpose + "; train or resume it first");
  return newest;
}

// The checkpoint --keep_best kept, as the newest checkpoint records it (read once: checking it
// is intact read it whole).
int64_t best_checkpoint(const std::string& run_dir, const std::string& purpose) {
  const ChosenCheckpoint newest = newest_intact(run_dir, purpose);
  const auto states = checkpoint_callback_states(*newest.contents, checkpoint_path(run_dir, newest.step));
  auto kept = states.find(keep_best_callback);
  const GoalState best = kept == states.end() ? GoalState{} : goal_state_of(kept->second);
  if (best.best_step < 0)
    throw Error(ExitCode::run, "run " + run_dir + " keeps no best checkpoint; it was not trained with --keep_best");
  if (!boost::filesystem::exists(checkpoint_path(run_dir, best.best_step)))
    throw Error(ExitCode::run, "run " + run_dir + ": the best checkpoint (step " + std::to_string(best.best_step) +
                                   ", by " + best.watched + ") is missing");
  spdlog::info("best checkpoint by {}: step {} ({})", best.watched, best.best_step, best.best_value);
  return best.best_step;
}

}  // namespace

ChosenCheckpoint newest_valid_checkpoint(const std::string& run_dir) {
  auto steps = list_checkpoints(run_dir);
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    try {
      return {*it, std::make_shared<CheckpointContents>(read_checkpoint_file(checkpoint_path(run_dir, *it)))};
    } catch (const Error& e) {
      spdlog::warn("skipping {}", e.what());
    }
  }
  return {};
}

ChosenCheckpoint choose_checkpoint(const std::string& run_dir, const std::string& asked, const std::string& purpose) {
  if (asked.empty()) return newest_intact(run_dir, purpose);
  if (asked == "best") return {best_checkpoint(run_dir, purpose), nullptr};
  int64_t step;
  try {
    size_t used;
    step = std::stoll(asked, &used);
    if (used != asked.size() || step < 0) throw std::invalid_argument(asked);
  } catch (const std::exception&) {
    throw Error(ExitCode::usage, "invalid value '" + asked + "' for --checkpoint: expected a step number or best");
  }
  if (!boost::filesystem::exists(checkpoint_path(run_dir, step)))
    throw Error(ExitCode::run,
                "run " + run_dir + " has no checkpoint at step " + asked + " (it has: " + available(run_dir) + ")");
  return {step, nullptr};
}

}  // namespace forge
