// The process-wide settings a run asks for: libtorch's threads, the seed of every generator,
// flushing denormal floats, deterministic algorithms.
#pragma once

#include "core/flag_set.hpp"

namespace forge {

// Applies --threads, --seed, --flush_denormal and --deterministic to the process; returns the
// thread count. Throws Error(ExitCode::usage) for a negative --threads or --seed.
int apply_process_settings(const Flags& flags);

// A --seed of -1 means "draw one": replaces it with a drawn seed, logs it, and returns true.
bool draw_seed_if_unset(Flags& flags);

}  // namespace forge
