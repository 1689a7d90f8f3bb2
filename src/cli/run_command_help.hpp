// --help of the commands that take a run folder first (resume, eval, export, check-resume).
#pragma once

#include "core/flag_set.hpp"

#include <string>
#include <vector>

namespace forge {

// For `forge COMMAND RUN_DIR [flags]`: prints `usage` and the options and returns true when
// help was asked for; throws Error(ExitCode::usage) when no run folder was given.
bool print_run_command_help(const std::vector<std::string>& args, const std::string& usage, const FlagSet& options);

}  // namespace forge
