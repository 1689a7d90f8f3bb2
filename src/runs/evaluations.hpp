// <run>/evals.json: what `forge eval` measured, by checkpoint step. Several evals of one run may
// run at once (of different checkpoints, from different shells): each adds its entry under a
// lock on the run folder itself, so none loses another's.
#pragma once

#include "core/json_file.hpp"

#include <cstdint>
#include <string>

namespace forge {

// Adds (or replaces) the entry of checkpoint `step`. Throws forge::Error naming the file when
// the run folder cannot be written (read-only, full) or evals.json is not JSON.
void record_evaluation(const std::string& run_dir, int64_t step, const json& entry);

}  // namespace forge
