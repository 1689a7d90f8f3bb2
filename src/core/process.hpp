// Runs a child process without a shell and collects what it prints.
#pragma once

#include <string>
#include <vector>

namespace forge {

struct ProcessResult {
  int exit_status = -1;  // the exit code, or -1 when the program could not start or was killed
  std::string output;    // stdout and stderr, interleaved as printed
};

// Runs argv[0] (looked up on PATH) with the given arguments, in `working_dir` when not empty.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& working_dir = "");

// This machine's host name ("unknown" if it has none).
std::string host_name();

}  // namespace forge
