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

}  // namespace forge
