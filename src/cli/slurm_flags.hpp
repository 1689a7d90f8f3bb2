// The --slurm_* flags of the commands that submit to SLURM (forge sweep, forge search).
#pragma once

#include "core/slurm_job.hpp"

#include <forge/plugin.hpp>

#include <vector>

namespace forge {

std::vector<FlagSpec> slurm_flag_specs();

// The options the flags give. Throws Error(ExitCode::usage) for a count out of range.
SlurmOptions slurm_options(const Flags& flags);

// A whole-number flag of at least `least`. Throws Error(ExitCode::usage) naming it otherwise.
int count_flag(const Flags& flags, const std::string& name, int64_t least);

}  // namespace forge
