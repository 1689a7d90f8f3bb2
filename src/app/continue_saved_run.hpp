// `forge resume` below the command line: a saved run continued from its newest intact
// checkpoint with its own plugins and flags, the flags given now compared with the saved ones
// (app/resume_check.hpp).
#pragma once

#include <string>
#include <vector>

namespace forge {

// `args`: flags given now (the run folder excluded). Returns the exit code (see run_training).
// Throws Error(ExitCode::run) when another process trains the run, Error(ExitCode::usage) for
// changes that need --force or another number of data-parallel processes.
int continue_saved_run(const std::string& run_dir, const std::vector<std::string>& args,
                       const std::vector<std::string>& command_line);

}  // namespace forge
