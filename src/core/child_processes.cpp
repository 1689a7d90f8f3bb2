#include "core/child_processes.hpp"

#include <forge/error.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

namespace forge {
namespace {

volatile sig_atomic_t caught = 0;

void on_stop_signal(int signal) { caught = signal; }

}  // namespace

void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int stop_signal_caught() { return caught; }

void ChildProcesses::start(const std::vector<std::string>& argv, const SpawnOptions& options, size_t tag) {
  running_[spawn_process(argv, options)] = tag;
}

std::optional<std::pair<size_t, int>> ChildProcesses::wait_any(const std::string& what) {
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) return std::nullopt;
      throw Error(ExitCode::failure, "waiting for " + what + ": " + std::strerror(errno));
    }
    auto it = running_.find(pid);
    if (it == running_.end()) continue;  // not one of these
    const size_t tag = it->second;
    running_.erase(it);
    return std::make_pair(tag, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
}

void ChildProcesses::pass_on(int signal) {
  if (signal == SIGTERM)
    for (const auto& [pid, tag] : running_) ::kill(pid, SIGTERM);
}

}  // namespace forge
