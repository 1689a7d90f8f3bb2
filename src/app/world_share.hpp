// A data-parallel run may continue on another number of processes: its global batch
// (processes x --batch_size) stays as it was, each process taking an equal share of it, so the
// run goes on over the same samples in the same steps, from the same state — the same run up to
// the order of floating-point sums (and to per-process statistics such as batch norm's).
#pragma once

#include <cstdint>
#include <string>

namespace forge {

// The --batch_size per process that keeps the global batch of a run trained by `saved_world`
// processes of `saved_batch_size` on `world_size` processes. Throws Error(ExitCode::usage),
// naming `run_dir`, when they cannot share it evenly.
int64_t batch_share(const std::string& run_dir, int64_t saved_world, int64_t saved_batch_size, int64_t world_size);

}  // namespace forge
