// `forge train` below the command line: a new run of two prepared plugins, from joining the
// data-parallel group (when this process is a worker) to the end of training.
#pragma once

#include "app/prepared_plugin.hpp"
#include "core/flag_set.hpp"

#include <string>
#include <vector>

namespace forge {

struct NewRunRequest {
  PreparedPlugins plugins;
  FlagSet flag_set;
  Flags flags;                // parsed; --run_name may be empty (then <data>_<model>), --seed -1 (drawn)
  std::string run_dir_given;  // --run_dir, or ""
  std::vector<std::string> command_line;
};

// Returns the exit code (see run_training). Everything that can fail on bad input fails
// before the run folder exists.
int train_new_run(NewRunRequest request);

// What train_new_run checks before a run folder would exist — the data and the model load with
// `flags`, the training plan, the initial weights and the optimizers can be made — and nothing
// more: no folder, no training, no process settings. Throws what train_new_run would.
void check_new_run(const PreparedPlugins& plugins, Flags flags);

}  // namespace forge
