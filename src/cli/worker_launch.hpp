// `forge train|resume --nproc_per_node N`: this process becomes the launcher of the node's N
// data-parallel workers. Each is this same command run again (same arguments) with torchrun's
// environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), which makes it a worker.
// The launcher passes SIGINT, SIGTERM and SIGUSR1 on to them, and when one ends in failure (or
// is killed) it stops the others, so a run never hangs on a missing rank. With --max_restarts K
// it then starts the whole group again, up to K times; the workers train in one --run_dir, so
// a group started again resumes the run from its newest checkpoint, exactly.
#pragma once

#include <forge/plugin.hpp>

#include <string>
#include <vector>

namespace forge {

struct WorkerLaunch {
  int nproc_per_node = 1;
  int nnodes = 1;
  int node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 0;   // 0: a free port of this host (one node only)
  std::string secret;    // given to the workers as FORGE_DIST_SECRET (never saved in the run)
  int max_restarts = 0;  // times the group is started again after a rank died
  std::string run_dir;   // the run the workers train (restarts are recorded in its manifest); "" unknown
};

// From --nproc_per_node, --nnodes, --node_rank, --master_addr, --master_port, --max_restarts. Throws
// Error(ExitCode::usage) for settings that cannot work (--node_rank outside --nnodes...).
WorkerLaunch worker_launch_from(const Flags& flags);

// Whether this process should launch workers: more than one process asked for, and not a
// worker itself (RANK is not set).
bool should_launch_workers(const WorkerLaunch& launch);

// Starts the workers with `command_line` and waits for them; after a failure starts them again
// (launch.max_restarts times at most; `command_line` must then name launch.run_dir). Returns the
// exit code: 0 when all succeeded, the signal's 128 + N when they were interrupted; throws Error
// naming the first rank that failed (the last time), with its exit code when it is one of
// forge's (else 1), or ExitCode::usage when the run spans nodes and gives no --master_port.
int launch_workers(const std::vector<std::string>& command_line, WorkerLaunch launch);

}  // namespace forge
