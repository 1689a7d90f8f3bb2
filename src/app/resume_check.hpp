// Before a resume: what differs between the run's record and what is about to be used —
// flags given now, the saved plugin libraries, libtorch and forge versions. Differences that
// break exact continuation need --force and are then written into the run's record.
#pragma once

#include "app/saved_run.hpp"

#include <string>
#include <vector>

namespace forge {

struct ResumeDifference {
  std::string what;       // e.g. "--batch_size: 32 (saved) -> 64 (now)"
  bool breaks_exactness;  // false for changes such as --epochs that only extend the run
};

// `now` holds the flag values for this resume (saved values where nothing was given).
std::vector<ResumeDifference> resume_differences(const SavedRun& run, const Flags& now);

// Logs every difference; throws Error(ExitCode::usage) listing those that break exactness
// unless `force`. Returns the breaking ones (to record when forced).
std::vector<std::string> check_resume(const std::vector<ResumeDifference>& differences, bool force);

}  // namespace forge
