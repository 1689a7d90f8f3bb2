// Numbered run folders: <checkpoint_dir>/<run_name>/<N>, N = 1, 2, 3 ...
#pragma once

#include <string>

namespace forge {

// Creates and returns the next run folder. N is one more than the largest existing number;
// the claim is a single mkdir, so concurrent trainings never get the same N.
// Throws Error(ExitCode::failure) when the folder cannot be created.
std::string claim_run_dir(const std::string& checkpoint_dir, const std::string& run_name);

// A run folder is one that holds a manifest.json.
bool is_run_dir(const std::string& path);

// Throws Error(ExitCode::run) naming `path` unless it is a run folder.
void require_run_dir(const std::string& path);

}  // namespace forge
