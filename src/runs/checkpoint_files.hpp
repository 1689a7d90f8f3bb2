// Which checkpoints a run holds (<run>/checkpoints/step-NNNNNNNN.ckpt, named by
// runs/run_files.hpp), torch-free: what reads a run folder without loading one needs only this.
#pragma once

#include "runs/run_files.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace forge {

// Steps of the checkpoints in the run, oldest first.
std::vector<int64_t> list_checkpoints(const std::string& run_dir);

// Renames every checkpoint after `step` to step-N.ckpt.corrupt, which no listing counts: a
// resume from `step` (the newest intact one) must not let broken newer files be kept in
// place of the checkpoints it writes. Returns their steps.
std::vector<int64_t> set_aside_checkpoints_after(const std::string& run_dir, int64_t step);

}  // namespace forge
