#include "sweep/slurm_sweep.hpp"

#include "core/atomic_file.hpp"
#include "core/process.hpp"
#include "runs/manifest.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <boost/filesystem.hpp>

#include <regex>
#include <sstream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

// "12_3" -> {3}; "12_[0-2,5%2]" -> {0, 1, 2, 5}
std::vector<long> array_tasks(const std::string& id, const std::string& job) {
  std::vector<long> tasks;
  if (id.rfind(job + "_", 0) != 0) return tasks;
  std::string rest = id.substr(job.size() + 1);
  if (rest.empty()) return tasks;
  if (rest.front() != '[') {
    tasks.push_back(std::stol(rest));
    return tasks;
  }
  rest = rest.substr(1, rest.find_first_of("%]") - 1);
  std::istringstream ranges(rest);
  for (std::string range; std::getline(ranges, range, ',');) {
    const size_t dash = range.find('-');
    const long first = std::stol(range.substr(0, dash));
    const long last = dash == std::string::npos ? first : std::stol(range.substr(dash + 1));
    for (long t = first; t <= last; ++t) tasks.push_back(t);
  }
  return tasks;
}

}  // namespace

void check_slurm_sweep(const SweepPlan& plan, const SlurmOptions& options, const std::string& runs_folder) {
  for (size_t i = 0; i < plan.points.size(); ++i) {
    for (const auto& arg : plan.points[i].train_args)
      check_job_script_value(arg, "a train flag of point " + std::to_string(i));
    check_job_script_value(plan.points[i].label(), "the label of point " + std::to_string(i));
  }
  check_job_script_value(fs::absolute(runs_folder).string(), "the runs' folder (--checkpoint_dir, --run_name)", true);
  check_job_script_value(fs::current_path().string(), "the working folder");
  check_job_script_value(options.partition, "--slurm_partition", true);
  check_job_script_value(options.time, "--slurm_time", true);
  check_job_script_value(options.mem, "--slurm_mem", true);
}

std::string slurm_job_script(const std::string& sweep_dir, const std::string& sweep_id,
                             const std::vector<PointToRun>& points, const SlurmOptions& options, int throttle,
                             const std::string& forge, const std::string& working_dir) {
  std::ostringstream script;
  script << "#!/bin/bash\n"
         << "# forge sweep " << sweep_id << ": task i of this array trains one point (start or resume).\n"
         << "#SBATCH --job-name=" << sbatch_value("forge-sweep-" + sweep_id, "the sweep's id") << "\n"
         << "#SBATCH --array=0-" << points.size() - 1 << (throttle > 0 ? "%" + std::to_string(throttle) : "") << "\n"
         << "#SBATCH --output="
         << sbatch_value(fs::absolute(sweep_dir).string() + "/slurm-%A_%a.out", "the sweep's folder") << "\n"
         << sbatch_option_lines(options);
  check_job_script_value(working_dir, "the working folder");
  check_job_script_value(forge, "forge's path");
  script << "cd " << shell_quoted(working_dir) << " || exit 1\n"
         << "case $SLURM_ARRAY_TASK_ID in\n";
  for (size_t task = 0; task < points.size(); ++task) {
    const PointToRun& point = points[task];
    script << "  " << task << ") exec " << shell_quoted(forge) << " train";
    for (const auto& arg : point.train_args) {
      check_job_script_value(arg, "a train flag of point " + std::to_string(point.index));
      script << " " << shell_quoted(arg);
    }
    check_job_script_value(point.run_dir, "the run folder of point " + std::to_string(point.index));
    check_job_script_value(point.label, "the label of point " + std::to_string(point.index));
    script << " --run_dir " << shell_quoted(point.run_dir) << " ;;  # point " << point.index << ": " << point.label
           << "\n";
  }
  script << "esac\necho \"no point for array task $SLURM_ARRAY_TASK_ID\" >&2\nexit 1\n";
  return script.str();
}

void submit_slurm_array(SweepRecord& record, const std::vector<PointToRun>& points, const SlurmOptions& options,
                        int throttle) {
  const std::string script_path = record.dir + "/job.sh";
  write_file_atomically(script_path, slurm_job_script(record.dir, record.json.value("id", ""), points, options,
                                                      throttle, own_executable(), fs::current_path().string()));
  ::chmod(script_path.c_str(), 0755);
  const std::string job = submit_batch_script(script_path, options, "the sweep's job array");
  json tasks = json::object();
  for (size_t task = 0; task < points.size(); ++task) tasks[std::to_string(task)] = points[task].index;
  record.json["slurm"].push_back({{"job_id", job}, {"tasks", tasks}});
  save_sweep_record(record);
  spdlog::info("submitted job array {} ({} tasks): {}", job, points.size(), script_path);
}

std::map<size_t, std::string> slurm_task_states(const SweepRecord& record) {
  std::map<size_t, std::string> states;
  if (!record.json.contains("slurm") || record.json["slurm"].empty()) return states;
  const json& newest = record.json["slurm"].back();
  const std::string job = newest.value("job_id", "");
  ProcessResult queue = run_process({"squeue", "-h", "-r", "-j", job, "-o", "%i %T"});
  if (queue.exit_status != 0) return states;
  std::istringstream lines(queue.output);
  for (std::string id, state; lines >> id >> state;)
    for (long task : array_tasks(id, job))
      if (newest["tasks"].contains(std::to_string(task)))
        states[newest["tasks"][std::to_string(task)].get<size_t>()] = state;
  return states;
}

}  // namespace forge
