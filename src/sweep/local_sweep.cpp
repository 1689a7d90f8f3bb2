#include "sweep/local_sweep.hpp"

#include "core/child_processes.hpp"

#include <spdlog/spdlog.h>

#include <deque>

namespace forge {
namespace {

void start_point(ChildProcesses& children, const std::string& forge, const std::string& sweep_dir,
                 const PointToRun& point, size_t tag) {
  std::vector<std::string> args{forge, "train"};
  args.insert(args.end(), point.train_args.begin(), point.train_args.end());
  args.insert(args.end(), {"--run_dir", point.run_dir});
  SpawnOptions options;
  options.output_file = sweep_dir + "/point-" + std::to_string(point.index) + ".log";
  children.start(args, options, tag);
}

}  // namespace

LocalSweepResult run_points_locally(const std::string& sweep_dir, const std::vector<PointToRun>& points, int jobs) {
  LocalSweepResult result;
  const std::string forge = own_executable();
  catch_stop_signals();
  std::deque<size_t> waiting;
  for (size_t i = 0; i < points.size(); ++i) waiting.push_back(i);
  ChildProcesses children;
  bool forwarded = false;
  while (!waiting.empty() || children.running() > 0) {
    while (!stop_signal_caught() && !waiting.empty() && int(children.running()) < jobs) {
      const PointToRun& point = points[waiting.front()];
      start_point(children, forge, sweep_dir, point, waiting.front());
      waiting.pop_front();
      spdlog::info("point {} ({}): training in {}", point.index, point.label, point.run_dir);
    }
    if (stop_signal_caught() && !forwarded) {
      children.pass_on(stop_signal_caught());  // every point checkpoints before the sweep ends
      spdlog::warn("stopping: {} running point(s) checkpoint and stop; {} not started", children.running(),
                   waiting.size());
      waiting.clear();
      forwarded = true;
    }
    if (children.running() == 0) break;
    const auto ended = children.wait_any("the sweep's points");
    if (!ended) continue;
    const PointToRun& point = points[ended->first];
    const int code = ended->second;
    result.exit_codes[point.index] = code;
    if (code == 0)
      spdlog::info("point {} ({}): completed", point.index, point.label);
    else
      spdlog::warn("point {} ({}): exit {} (see {}/point-{}.log)", point.index, point.label, code, sweep_dir,
                   point.index);
  }
  result.stopped_by = stop_signal_caught() ? 128 + stop_signal_caught() : 0;
  return result;
}

}  // namespace forge
