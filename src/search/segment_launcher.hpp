// Where a search's trial segments train: here as child processes, or on SLURM as batch jobs.
// The search loop (search/search_loop.hpp) asks a launcher to start a segment's `forge train`
// command and waits for any of them to end.
#pragma once

#include "core/slurm_job.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace forge {

struct EndedSegment {
  size_t index;   // the trial's
  int exit_code;  // 0: trained to its rung; 130/143: stopped by a signal; else failed
};

class SegmentLauncher {
 public:
  virtual ~SegmentLauncher() = default;
  // Starts `argv` (forge train ...) for trial `index`, its output beside the study; returns a
  // handle that the study records (a SLURM job id; "" here, where a killed search takes its
  // segments with it).
  virtual std::string start(const std::vector<std::string>& argv, const std::string& study_dir, size_t index) = 0;
  // Takes over a segment of trial `index` that an earlier launch started: true while it still
  // trains (then wait_any reports its end).
  virtual bool adopt(const std::string& handle, size_t index) = 0;
  // Waits for one segment to end; nullopt when a signal interrupted the wait.
  virtual std::optional<EndedSegment> wait_any() = 0;
  // Passes a stop (SIGINT, SIGTERM) on to every segment training, which checkpoints and stops.
  virtual void stop_all(int signal) = 0;
  virtual size_t running() const = 0;
};

// Child processes of this one (SIGTERM when it dies).
std::unique_ptr<SegmentLauncher> local_launcher();

// One sbatch job per segment (job name forge-search-<id>), exec'ing forge so that SLURM's
// signals reach it; ended jobs are seen leaving the queue, and whether the segment reached its
// rung is read from its run folder (the manifest forge wrote), so no accounting is needed.
// `reached(index)` says whether trial `index`'s run trained to its rung.
std::unique_ptr<SegmentLauncher> slurm_launcher(const SlurmOptions& options, const std::string& search_id,
                                                std::function<bool(size_t index)> reached);

}  // namespace forge
