#include "cli/worker_launch.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>
#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
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

pid_t start_worker(const std::vector<std::string>& command_line, const std::map<std::string, std::string>& env) {
  boost::system::error_code error;
  const std::string self = boost::filesystem::read_symlink("/proc/self/exe", error).string();
  pid_t pid = ::fork();
  if (pid < 0) throw Error(ExitCode::failure, std::string("cannot start a worker: ") + std::strerror(errno));
  if (pid > 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // the launcher gone, the workers checkpoint and stop
  ::setpgid(0, 0);                     // a terminal's Ctrl-C reaches the launcher, which passes it on once
  for (int s : {SIGINT, SIGTERM, SIGUSR1}) ::signal(s, SIG_DFL);
  for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
  std::vector<std::string> args = command_line;
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  ::execv(self.c_str(), argv.data());
  ::_exit(127);
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "exited with code " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

WorkerLaunch worker_launch_from(const Flags& flags) {
  return {int(flags.integer("nproc_per_node")), int(flags.integer("nnodes")), int(flags.integer("node_rank")),
          flags.text("master_addr"), int(flags.integer("master_port"))};
}

bool should_launch_workers(const WorkerLaunch& launch) {
  return (launch.nproc_per_node > 1 || launch.nnodes > 1) && !std::getenv("RANK");
}

int launch_workers(const std::vector<std::string>& command_line, WorkerLaunch launch) {
  if (launch.nproc_per_node < 1 || launch.nnodes < 1)
    throw Error(ExitCode::usage, "--nproc_per_node and --nnodes must be at least 1");
  if (launch.node_rank < 0 || launch.node_rank >= launch.nnodes)
    throw Error(ExitCode::usage, "--node_rank " + std::to_string(launch.node_rank) + " is not one of the " +
                                     std::to_string(launch.nnodes) + " nodes (0 to " + std::to_string(launch.nnodes - 1) + ")");
  if (launch.master_port == 0) {
    if (launch.nnodes > 1)
      throw Error(ExitCode::usage, "a run over several nodes needs --master_port (the same on every node)");
    launch.master_port = free_port(launch.master_addr);
  }
  const int world = launch.nproc_per_node * launch.nnodes;
  spdlog::info("data-parallel: starting ranks {} to {} of {} (rendezvous at {}:{})", launch.node_rank * launch.nproc_per_node,
               (launch.node_rank + 1) * launch.nproc_per_node - 1, world, launch.master_addr, launch.master_port);

  struct sigaction action {};
  action.sa_handler = remember_signal;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGUSR1}) sigaction(s, &action, nullptr);

  std::map<pid_t, int> ranks;  // pid -> rank
  for (int local = 0; local < launch.nproc_per_node; ++local) {
    const int rank = launch.node_rank * launch.nproc_per_node + local;
    ranks[start_worker(command_line, {{"RANK", std::to_string(rank)}, {"WORLD_SIZE", std::to_string(world)},
                                      {"LOCAL_RANK", std::to_string(local)}, {"MASTER_ADDR", launch.master_addr},
                                      {"MASTER_PORT", std::to_string(launch.master_port)}})] = rank;
  }

  int exit_code = 0, interrupted = 0;
  std::string failure;
  auto stop_others = [&](int signal) {
    for (const auto& [pid, rank] : ranks) ::kill(pid, signal);
  };
  auto kill_deadline = std::chrono::steady_clock::time_point::max();
  while (!ranks.empty()) {
    if (pending_signal) {
      const int signal = pending_signal;
      pending_signal = 0;
      if (signal != SIGUSR1) interrupted = signal;
      stop_others(signal);
    }
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid == 0) {
      if (std::chrono::steady_clock::now() > kill_deadline) stop_others(SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    auto it = ranks.find(pid);
    if (it == ranks.end()) continue;
    const int rank = it->second;
    ranks.erase(it);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code == 0 || (interrupted && code == 128 + interrupted)) {
      if (code != 0) exit_code = code;
      continue;
    }
    if (failure.empty()) {
      failure = "rank " + std::to_string(rank) + " " + describe_exit(status);
      exit_code = code;
      if (!ranks.empty()) {
        spdlog::error("data-parallel: {}; stopping the other ranks", failure);
        stop_others(SIGTERM);
        kill_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      }
    }
  }
  if (!failure.empty())
    throw Error(exit_code == int(ExitCode::usage) || exit_code == int(ExitCode::data) || exit_code == int(ExitCode::plugin) ||
                        exit_code == int(ExitCode::run)
                    ? ExitCode(exit_code)
                    : ExitCode::failure,
                "data-parallel training failed: " + failure + " (the ranks' own messages are above)");
  return exit_code;
}

}  // namespace forge
