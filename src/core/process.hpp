// Runs a child process without a shell and collects what it prints.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace forge {

struct ProcessResult {
  int exit_status = -1;  // the exit code, or -1 when the program could not start or was killed
  std::string output;    // stdout and stderr, interleaved as printed
};

// Runs argv[0] (looked up on PATH) with the given arguments, in `working_dir` when not empty.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& working_dir = "");

struct SpawnOptions {
  std::map<std::string, std::string> environment;  // set in the child, beside this process's
  std::string output_file;                         // the child's stdout and stderr are appended here ("": inherited)
  bool own_process_group = false;                  // a terminal's Ctrl-C does not reach it (the parent passes it on)
  bool end_with_parent = false;                    // SIGTERM when this process dies
};

// Starts `argv` (argv[0] a path) without waiting for it, with the default handling of every
// signal this process catches. Returns its pid; throws Error(ExitCode::failure) when fork fails.
int spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options = {});

// The path of this process's executable (/proc/self/exe). Throws Error(ExitCode::failure).
std::string own_executable();

// This machine's host name ("unknown" if it has none).
std::string host_name();

}  // namespace forge
