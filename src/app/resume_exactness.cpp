#include "app/resume_exactness.hpp"

#include "app/saved_run.hpp"
#include "runs/checkpoint_files.hpp"
#include "runs/run_files.hpp"
#include "train/checkpoint.hpp"
#include "train/model_state.hpp"

#include <forge/error.hpp>

namespace forge {
namespace {

// The newest checkpoint's parameters and buffers, loaded into the run's own model, and the
// callbacks' states it holds.
NamedState final_state(const std::string& run_dir) {
  auto steps = list_checkpoints(run_dir);
  if (steps.empty()) throw Error(ExitCode::failure, "check-resume: run " + run_dir + " wrote no checkpoint");
  NamedState state = named_state(restore_model(open_saved_run(run_dir), {steps.back(), nullptr}).model->module());
  const std::string path = checkpoint_path(run_dir, steps.back());
  for (auto& entry : named_callback_state(checkpoint_callback_states(read_checkpoint_file(path), path)))
    state.push_back(std::move(entry));
  return state;
}

}  // namespace

std::string first_final_difference(const std::string& a, const std::string& b, size_t& compared) {
  const NamedState first = final_state(a);
  compared = first.size();
  return first_difference(first, final_state(b));
}

}  // namespace forge
