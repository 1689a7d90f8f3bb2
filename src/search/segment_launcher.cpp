#include "search/segment_launcher.hpp"

#include "core/atomic_file.hpp"
#include "core/child_processes.hpp"
#include "core/process.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <sstream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

class LocalLauncher : public SegmentLauncher {
 public:
  std::string start(const std::vector<std::string>& argv, const std::string& study_dir, size_t index) override {
    SpawnOptions options;
    options.output_file = study_dir + "/trial-" + std::to_string(index) + ".log";
    options.end_with_parent = true;  // a killed search leaves no segment training on its own
    children_.start(argv, options, index);
    return "";
  }
  bool adopt(const std::string&, size_t) override { return false; }  // they ended with the search that started them
  std::optional<EndedSegment> wait_any() override {
    const auto ended = children_.wait_any("the search's trials");
    if (!ended) return std::nullopt;
    return EndedSegment{ended->first, ended->second};
  }
  void stop_all(int signal) override { children_.pass_on(signal); }
  size_t running() const override { return children_.running(); }

 private:
  ChildProcesses children_;
};

class SlurmLauncher : public SegmentLauncher {
 public:
  SlurmLauncher(SlurmOptions options, std::string search_id, std::function<bool(size_t)> reached)
      : options_(std::move(options)), name_("forge-search-" + search_id), reached_(std::move(reached)) {}

  std::string start(const std::vector<std::string>& argv, const std::string& study_dir, size_t index) override {
    const std::string folder = fs::absolute(study_dir).string();
    std::ostringstream script;
    script << "#!/bin/bash\n"
           << "# " << name_ << ": one segment of trial " << index << " (start or continue its run).\n"
           << "#SBATCH --job-name=" << sbatch_value(name_, "the search's id") << "\n"
           << "#SBATCH --output=" << sbatch_value(folder + "/trial-" + std::to_string(index) + "-%j.out", "the study")
           << "\n"
           << sbatch_option_lines(options_);
    const std::string cwd = fs::current_path().string();
    check_job_script_value(cwd, "the working folder");
    script << "cd " << shell_quoted(cwd) << " || exit 1\nexec";
    for (const auto& arg : argv) {
      check_job_script_value(arg, "a flag of trial " + std::to_string(index));
      script << " " << shell_quoted(arg);
    }
    script << "\n";
    const std::string path = folder + "/trial-" + std::to_string(index) + ".sh";
    write_file_atomically(path, script.str());
    ::chmod(path.c_str(), 0755);
    const std::string job = submit_batch_script(path, options_, "a segment of trial " + std::to_string(index));
    jobs_[job] = index;
    spdlog::info("trial {}: SLURM job {}", index, job);
    return job;
  }

  bool adopt(const std::string& handle, size_t index) override {
    if (handle.empty() || !queued().count(handle)) return false;
    jobs_[handle] = index;
    return true;
  }

  std::optional<EndedSegment> wait_any() override {
    for (;;) {
      const std::set<std::string> in_queue = queued();
      for (auto it = jobs_.begin(); it != jobs_.end(); ++it)
        if (!in_queue.count(it->first)) {
          const size_t index = it->second;
          jobs_.erase(it);
          return EndedSegment{index, reached_(index) ? 0 : 1};
        }
      if (::sleep(1) != 0) return std::nullopt;  // a signal
    }
  }

  void stop_all(int) override {
    // forge is the batch shell (exec): SIGTERM makes it checkpoint and stop; a job still
    // waiting in the queue is simply taken out.
    for (const auto& [job, index] : jobs_) {
      run_process({"scancel", "--batch", "--signal=TERM", job});
      run_process({"scancel", "--state=PENDING", job});
    }
  }

  size_t running() const override { return jobs_.size(); }

 private:
  // The ids of this search's jobs still in SLURM's queue (pending, running, completing).
  std::set<std::string> queued() const {
    ProcessResult listed = run_process({"squeue", "-h", "--name=" + name_, "-o", "%i"});
    if (listed.exit_status != 0) throw Error(ExitCode::failure, "squeue failed: " + listed.output);
    std::set<std::string> ids;
    std::istringstream lines(listed.output);
    for (std::string id; lines >> id;) ids.insert(id);
    return ids;
  }

  SlurmOptions options_;
  std::string name_;
  std::function<bool(size_t)> reached_;
  std::map<std::string, size_t> jobs_;
};

}  // namespace

std::unique_ptr<SegmentLauncher> local_launcher() { return std::make_unique<LocalLauncher>(); }

std::unique_ptr<SegmentLauncher> slurm_launcher(const SlurmOptions& options, const std::string& search_id,
                                                std::function<bool(size_t index)> reached) {
  return std::make_unique<SlurmLauncher>(options, search_id, std::move(reached));
}

}  // namespace forge
