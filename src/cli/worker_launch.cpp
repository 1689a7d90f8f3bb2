#include "cli/worker_launch.hpp"

#include "core/process.hpp"
#include "runs/checkpoint_files.hpp"
#include "runs/manifest.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_dir.hpp"
#include "runs/run_lock.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <thread>

namespace forge {
namespace {

volatile sig_atomic_t pending_signal = 0;
void remember_signal(int signal) { pending_signal = signal; }

int free_port(const std::string& address) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in where{};
  where.sin_family = AF_INET;
  where.sin_port = 0;
  ::inet_pton(AF_INET, address.c_str(), &where.sin_addr);
  socklen_t length = sizeof where;
  bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&where), sizeof where) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&where), &length) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw Error(ExitCode::failure, "cannot find a free port on " + address + " for the workers' rendezvous");
  return ntohs(where.sin_port);
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "exited with code " + std::to_string(WEXITSTATUS(status));
}

// Picks a free port when none was given.
// The run's rendezvous secret: FORGE_DIST_SECRET, or on one node a fresh random one.
std::string rendezvous_secret(const WorkerLaunch& launch) {
  const char* given = std::getenv("FORGE_DIST_SECRET");
  if (given && *given) return given;
  if (launch.nnodes > 1)
    throw Error(ExitCode::usage,
                "a run over several nodes needs FORGE_DIST_SECRET set to the same secret on every "
                "node, e.g. export FORGE_DIST_SECRET=$(od -An -tx1 -N16 /dev/urandom | tr -d ' ')");
  std::random_device entropy;
  std::string secret;
  char hex[9];
  for (int i = 0; i < 4; ++i) {
    std::snprintf(hex, sizeof hex, "%08x", unsigned(entropy()));
    secret += hex;
  }
  return secret;
}

WorkerLaunch resolved(WorkerLaunch launch) {
  if (launch.master_port == 0) {
    if (launch.nnodes > 1)
      throw Error(ExitCode::usage, "a run over several nodes needs --master_port (the same on every node)");
    launch.master_port = free_port(launch.master_addr);
  }
  launch.secret = rendezvous_secret(launch);
  return launch;
}

// The workers of this node, by pid: their ranks.
class Workers {
 public:
  void start(const std::vector<std::string>& command_line, const WorkerLaunch& launch) {
    const int world = launch.nproc_per_node * launch.nnodes;
    for (int local = 0; local < launch.nproc_per_node; ++local) {
      const int rank = launch.node_rank * launch.nproc_per_node + local;
      SpawnOptions options;
      options.environment = {{"RANK", std::to_string(rank)},
                             {"WORLD_SIZE", std::to_string(world)},
                             {"LOCAL_RANK", std::to_string(local)},
                             {"MASTER_ADDR", launch.master_addr},
                             {"MASTER_PORT", std::to_string(launch.master_port)},
                             {"FORGE_DIST_SECRET", launch.secret}};
      options.own_process_group = true;  // a terminal's Ctrl-C reaches the launcher, which passes it on once
      options.end_with_parent = true;    // the launcher gone, the workers checkpoint and stop
      std::vector<std::string> argv = command_line;
      argv[0] = own_executable();
      ranks_[spawn_process(argv, options)] = rank;
    }
  }

  // How the group ended: every rank's code 0 (or the signal the launcher passed on), or the
  // first rank that failed.
  struct Outcome {
    int exit_code = 0;
    int failed_rank = -1;  // -1: none failed
    std::string failure;   // "rank 1 was killed by signal 9"
    std::string exit;      // "was killed by signal 9"
    bool interrupted = false;
  };

  // Waits for them all, passing signals on; after the first failure stops the others (SIGTERM,
  // then SIGKILL 30 s later).
  Outcome supervise() {
    while (!ranks_.empty()) {
      pass_on_signals();
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid == 0) {
        if (std::chrono::steady_clock::now() > stop_deadline_) stop_others();
        if (std::chrono::steady_clock::now() > kill_deadline_) signal_all(SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      } else if (pid > 0 && ranks_.count(pid)) {
        ended(pid, status);
      } else if (pid < 0 && errno != EINTR) {
        break;
      }
    }
    return {exit_code_, failed_rank_, failure_, exit_, interrupted_ != 0};
  }

 private:
  void signal_all(int signal) {
    for (const auto& [pid, rank] : ranks_) ::kill(pid, signal);
  }

  void pass_on_signals() {
    if (!pending_signal) return;
    const int signal = pending_signal;
    pending_signal = 0;
    if (signal != SIGUSR1) interrupted_ = signal;
    signal_all(signal);
  }

  void ended(pid_t pid, int status) {
    const int rank = ranks_.at(pid);
    ranks_.erase(pid);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code == 0 || (interrupted_ && code == 128 + interrupted_)) {
      if (code != 0) exit_code_ = code;
      return;
    }
    // A rank whose peer died fails too, with code 1 (its exchange broke) and often first: a rank
    // that ended otherwise, not by the launcher's SIGTERM, is the cause.
    const bool consequence = code == 1 || code == 128 + SIGTERM;
    if (!failure_.empty() && !(exit_code_ == 1 && !consequence)) return;
    const bool first = failure_.empty();
    failed_rank_ = rank;
    exit_ = describe_exit(status);
    failure_ = "rank " + std::to_string(rank) + " " + exit_;
    exit_code_ = code;
    if (ranks_.empty() || stopping()) return;
    if (first && consequence) {
      // The cause may have closed its connections and still be ending (unwinding, freeing a
      // large process): it is given a few seconds to end with its own code before the others
      // are stopped, which would make its end the launcher's SIGTERM too.
      stop_deadline_ = std::chrono::steady_clock::now() + kCauseGrace;
      return;
    }
    stop_others();
  }

  // Once the others are stopped, a SIGKILL is due 30 s later.
  bool stopping() const { return kill_deadline_ != std::chrono::steady_clock::time_point::max(); }

  void stop_others() {
    stop_deadline_ = std::chrono::steady_clock::time_point::max();
    spdlog::error("data-parallel: {}; stopping the other ranks", failure_);
    signal_all(SIGTERM);
    kill_deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  }

  static constexpr std::chrono::seconds kCauseGrace{3};

  std::map<pid_t, int> ranks_;
  int exit_code_ = 0, interrupted_ = 0, failed_rank_ = -1;
  std::string failure_, exit_;
  std::chrono::steady_clock::time_point stop_deadline_ = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point kill_deadline_ = std::chrono::steady_clock::time_point::max();
};

// Where the run was when a rank died: the last step it recorded, and the checkpoint the group
// starts again from (the newest, as resume picks it).
RestartRecord restart_record(const std::string& run_dir, int rank, const std::string& exit) {
  RestartRecord record;
  record.time = now_iso8601();
  record.rank = rank;
  record.exit = exit;
  if (run_dir.empty() || !is_run_dir(run_dir)) return record;
  try {
    uint64_t offset = 0;
    for (const MetricRow& row : read_new_metrics(run_dir, offset))
      record.after_step = std::max(record.after_step, row.step);
    const std::vector<int64_t> checkpoints = list_checkpoints(run_dir);
    if (!checkpoints.empty()) record.from_step = checkpoints.back();
  } catch (const std::exception&) {
    // A folder the dead rank left half-written says less; the restart goes on all the same.
  }
  return record;
}

}  // namespace

WorkerLaunch worker_launch_from(const Flags& flags) {
  WorkerLaunch launch{int(flags.integer("nproc_per_node")), int(flags.integer("nnodes")),
                      int(flags.integer("node_rank")), flags.text("master_addr"), int(flags.integer("master_port"))};
  launch.max_restarts = int(flags.integer("max_restarts"));
  if (launch.max_restarts < 0) throw Error(ExitCode::usage, "--max_restarts must be 0 or more");
  if (launch.nproc_per_node < 1 || launch.nnodes < 1)
    throw Error(ExitCode::usage, "--nproc_per_node and --nnodes must be at least 1");
  if (launch.node_rank < 0 || launch.node_rank >= launch.nnodes)
    throw Error(ExitCode::usage, "--node_rank " + std::to_string(launch.node_rank) + " is not one of the " +
                                     std::to_string(launch.nnodes) + " nodes (0 to " +
                                     std::to_string(launch.nnodes - 1) + ")");
  if (launch.master_port < 0 || launch.master_port > 65535)
    throw Error(ExitCode::usage, "--master_port must lie in 0 to 65535");
  return launch;
}

bool should_launch_workers(const WorkerLaunch& launch) {
  return (launch.nproc_per_node > 1 || launch.nnodes > 1) && !std::getenv("RANK");
}

int launch_workers(const std::vector<std::string>& command_line, WorkerLaunch given) {
  WorkerLaunch launch = resolved(given);
  struct sigaction action {};
  action.sa_handler = remember_signal;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGUSR1}) sigaction(s, &action, nullptr);
  // Node 0's launcher keeps the record; the others' restarts follow from it (their ranks fail with it).
  auto records = [&] { return launch.node_rank == 0 && !launch.run_dir.empty() && is_run_dir(launch.run_dir); };
  for (int restart = 0;; ++restart) {
    spdlog::info("data-parallel: starting ranks {} to {} of {} (rendezvous at {}:{})",
                 launch.node_rank * launch.nproc_per_node, (launch.node_rank + 1) * launch.nproc_per_node - 1,
                 launch.nproc_per_node * launch.nnodes, launch.master_addr, launch.master_port);
    Workers workers;
    workers.start(command_line, launch);
    const Workers::Outcome outcome = workers.supervise();
    if (outcome.failed_rank < 0) return outcome.exit_code;
    // Stopped by Ctrl-C or SIGTERM while it failed, or while it stopped: no restart.
    const bool stopping = outcome.interrupted || (pending_signal && pending_signal != SIGUSR1);
    if (restart < launch.max_restarts && !stopping) {
      const RestartRecord record = restart_record(launch.run_dir, outcome.failed_rank, outcome.exit);
      spdlog::warn("data-parallel: {}{}; restart {} of {} from {}", outcome.failure,
                   record.after_step >= 0 ? " after step " + std::to_string(record.after_step) : "", restart + 1,
                   launch.max_restarts,
                   record.from_step >= 0 ? "step " + std::to_string(record.from_step) : "the start");
      if (records()) record_restart(launch.run_dir, record);
      // A port of this host's own is taken afresh: the last one may linger in TIME_WAIT.
      if (given.master_port == 0) launch.master_port = free_port(launch.master_addr);
      if (pending_signal && pending_signal != SIGUSR1) return 128 + pending_signal;
      continue;
    }
    const bool known = outcome.exit_code >= int(ExitCode::usage) && outcome.exit_code <= int(ExitCode::data);
    std::string why = "data-parallel training failed: " + outcome.failure;
    if (restart > 0) why += " after " + std::to_string(restart) + " restart" + (restart == 1 ? "" : "s");
    if (records() && !is_run_locked(launch.run_dir)) {
      record_crash_if_dead(launch.run_dir);
      if (!stopping) record_status(launch.run_dir, "failed", why);
    }
    throw Error(known ? ExitCode(outcome.exit_code) : ExitCode::failure, why + " (the ranks' own messages are above)");
  }
}

}  // namespace forge
