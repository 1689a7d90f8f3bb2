// Orchestrating commands (forge sweep, forge search) start children, wait for whichever ends
// first, and, on SIGINT or SIGTERM, stop starting new ones and let the running ones checkpoint.
#pragma once

#include "core/process.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace forge {

// From now on SIGINT and SIGTERM do not end this process but are noted for
// stop_signal_caught(); installed without SA_RESTART, so a wait they interrupt returns at once.
void catch_stop_signals();

// The SIGINT or SIGTERM caught since catch_stop_signals, or 0.
int stop_signal_caught();

// Child processes, each known by a tag of the caller's (a point, a trial).
class ChildProcesses {
 public:
  void start(const std::vector<std::string>& argv, const SpawnOptions& options, size_t tag);

  // Waits for one child to end: its tag and exit code (128 + signal when a signal ended it);
  // nullopt when a signal interrupted the wait. Throws Error(ExitCode::failure) naming `what`.
  std::optional<std::pair<size_t, int>> wait_any(const std::string& what);

  // Passes a stop on: a terminal's Ctrl-C reached the children already (same process group), a
  // SIGTERM sent to this process alone is sent on to each, so that they checkpoint and stop.
  void pass_on(int signal);

  size_t running() const { return running_.size(); }

 private:
  std::map<int, size_t> running_;  // pid -> tag
};

}  // namespace forge
