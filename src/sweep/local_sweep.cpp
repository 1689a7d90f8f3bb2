#include "sweep/local_sweep.hpp"

#include "core/process.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>

namespace forge {
namespace {

volatile sig_atomic_t stop_signal = 0;

void on_stop_signal(int signal) { stop_signal = signal; }

// Without SA_RESTART: waitpid returns with EINTR, and the loop sees the signal at once.
void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

pid_t start_point(const std::string& forge, const std::string& sweep_dir, const PointToRun& point) {
  std::vector<std::string> args{forge, "train"};
  args.insert(args.end(), point.train_args.begin(), point.train_args.end());
  args.insert(args.end(), {"--run_dir", point.run_dir});
  SpawnOptions options;
  options.output_file = sweep_dir + "/point-" + std::to_string(point.index) + ".log";
  return spawn_process(args, options);
}

}  // namespace

LocalSweepResult run_points_locally(const std::string& sweep_dir, const std::vector<PointToRun>& points, int jobs) {
  LocalSweepResult result;
  const std::string forge = own_executable();
  catch_stop_signals();
  std::deque<const PointToRun*> waiting;
  for (const auto& point : points) waiting.push_back(&point);
  std::map<pid_t, const PointToRun*> running;
  bool forwarded = false;
  while (!waiting.empty() || !running.empty()) {
    while (!stop_signal && !waiting.empty() && int(running.size()) < jobs) {
      const PointToRun* point = waiting.front();
      waiting.pop_front();
      running[start_point(forge, sweep_dir, *point)] = point;
      spdlog::info("point {} ({}): training in {}", point->index, point->label, point->run_dir);
    }
    if (stop_signal && !forwarded) {
      // A terminal's Ctrl-C reached the points already (same process group); a SIGTERM sent to
      // the sweep alone is passed on, so every point checkpoints before the sweep ends.
      if (stop_signal == SIGTERM)
        for (const auto& [pid, point] : running) ::kill(pid, SIGTERM);
      spdlog::warn("stopping: {} running point(s) checkpoint and stop; {} not started", running.size(), waiting.size());
      waiting.clear();
      forwarded = true;
    }
    if (running.empty()) break;
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw Error(ExitCode::failure, std::string("waiting for the sweep's points: ") + std::strerror(errno));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const PointToRun* point = it->second;
    running.erase(it);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.exit_codes[point->index] = code;
    if (code == 0)
      spdlog::info("point {} ({}): completed", point->index, point->label);
    else
      spdlog::warn("point {} ({}): exit {} (see {}/point-{}.log)", point->index, point->label, code, sweep_dir,
                   point->index);
  }
  result.stopped_by = stop_signal ? 128 + stop_signal : 0;
  return result;
}

}  // namespace forge
