// Where a run's checkpoints are (<run>/checkpoints/step-NNNNNNNN.ckpt), torch-free: what
// reads a run folder without loading one needs only this.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace forge {

std::string checkpoint_path(const std::string& run_dir, int64_t step);

// Steps of the checkpoints in the run, oldest first.
std::vector<int64_t> list_checkpoints(const std::string& run_dir);

}  // namespace forge
