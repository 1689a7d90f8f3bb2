// Where a run's files come to be. A new run: its folder claimed (or --run_dir prepared),
// locked, its plugins and flags snapshotted and its manifest written. A saved run taken up
// again: stale temporary files and metric rows past its checkpoint dropped, flags and manifest
// rewritten. Both install the stop signals and open the log file: from their return a SIGINT
// or SIGTERM stops training gracefully.
#pragma once

#include "app/saved_run.hpp"
#include "core/flag_set.hpp"
#include "runs/run_lock.hpp"
#include "runs/snapshot.hpp"

#include <memory>
#include <string>
#include <vector>

namespace forge {

class DataParallelGroup;

struct NewRun {
  std::string run_dir_given;  // --run_dir, or "" to claim <checkpoint_dir>/<run_name>/<N>
  const FlagSet& flag_set;
  const Flags& flags;
  PluginFiles data, model;
  std::vector<std::string> command_line;
  int threads = 0;
  int64_t workers = 0;  // loader threads
  std::string device;
  bool seed_drawn = false;
  DataParallelGroup* group = nullptr;  // null when training alone
};

struct OpenRun {
  std::string dir;
  std::unique_ptr<RunLock> lock;  // null on data-parallel ranks other than 0, which only train
};

// Rank 0 (or the only process) makes and records the folder and tells the other ranks where
// it is. Throws Error(ExitCode::run) when --run_dir holds something else than a run's start.
OpenRun start_run(const NewRun& run);

struct ReopenedRun {
  SavedRun& saved;  // its manifest is updated
  const FlagSet& flag_set;
  const Flags& flags;
  std::vector<std::string> command_line;
  int threads = 0;
  int64_t workers = 0;              // loader threads
  int64_t from_step = -1;           // the checkpoint resumed from; -1: none, training starts afresh
  std::vector<std::string> forced;  // differences --force accepted
  std::string device;
  int64_t world_size = 1;
};

// For the process that writes the run (rank 0), which holds its lock.
void reopen_run(const ReopenedRun& run);

}  // namespace forge
