// What `forge check-resume` compares: two runs' newest checkpoints, bit for bit.
#pragma once

#include <cstddef>
#include <string>

namespace forge {

// Where the newest checkpoints of runs `a` and `b` first differ — their parameters and buffers
// (loaded into each run's own model) and every callback's state — or "" when they are bitwise
// identical; `compared`: how many tensors and values were compared. Throws Error(ExitCode::failure)
// when a run wrote no checkpoint.
std::string first_final_difference(const std::string& a, const std::string& b, size_t& compared);

}  // namespace forge
