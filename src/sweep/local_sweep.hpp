// Runs a sweep's points on this machine, `jobs` at a time, each as its own `forge train
// --run_dir <its folder>` process (which starts the run, or resumes it). One failing point does
// not stop the others. SIGINT and SIGTERM stop launching and reach the running points, which
// checkpoint and stop; launching the sweep again continues them.
#pragma once

#include "sweep/sweep_record.hpp"

#include <map>
#include <string>
#include <vector>

namespace forge {

struct PointToRun {
  size_t index;
  std::string label;  // for the log
  std::string run_dir;
  std::vector<std::string> train_args;  // without --run_dir
};

struct LocalSweepResult {
  int stopped_by = 0;                // 0, or 128 + the signal that stopped the sweep
  std::map<size_t, int> exit_codes;  // by point index, for the points that ran
};

// Each point's output goes to <sweep dir>/point-<index>.log.
LocalSweepResult run_points_locally(const std::string& sweep_dir, const std::vector<PointToRun>& points, int jobs);

}  // namespace forge
