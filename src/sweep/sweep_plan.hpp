// A sweep's grid, from the command line of `forge sweep`: the train flags every point shares,
// and the axes (flags given a comma-separated list of values). Each point of the grid is one
// ordinary `forge train`; its identity is a hash of its flags, so the same point is found again
// when the same sweep is launched again.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace forge {

struct SweepAxis {
  std::string flag;                 // without "--"
  std::vector<std::string> values;  // in the order given
};

struct SweepPoint {
  std::vector<std::pair<std::string, std::string>> values;  // one (flag, value) per axis
  std::vector<std::string> train_args;                      // the shared flags, then --flag value per axis
  std::string hash;                                         // 40 hex digits, of train_args
  std::string label() const;                                // "lr=1e-3 n_hidden=128"
};

struct SweepPlan {
  std::vector<std::string> shared_args;  // train flags every point gets, as given
  std::vector<SweepAxis> axes;
  std::vector<SweepPoint> points;  // the grid, the last axis varying fastest
  std::string id;                  // 12 hex digits, of the shared flags and the axes
};

// Splits `train_args` (train flags as `--name value` or `--name=value`) into shared flags and
// axes, and expands the grid. Throws Error(ExitCode::usage) for an empty value in a list, an axis
// given twice, or --run_dir (each point gets its own).
SweepPlan plan_sweep(const std::vector<std::string>& train_args);

}  // namespace forge
