// forge sweep: a grid of trainings, each point an ordinary numbered run of one run name, run
// here (-j at a time) or as one SLURM job array; resumable by launching the same command again.
#include "cli/command_help.hpp"
#include "cli/commands.hpp"
#include "cli/slurm_flags.hpp"
#include "core/flag_set.hpp"
#include "core/text_table.hpp"
#include "runs/manifest.hpp"
#include "runs/run_dir.hpp"
#include "runs/run_summary.hpp"
#include "sweep/local_sweep.hpp"
#include "sweep/slurm_sweep.hpp"
#include "sweep/sweep_plan.hpp"
#include "sweep/sweep_record.hpp"
#include "sweep/sweep_tracking.hpp"
#include "tracking/tracking_uri.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

#include <algorithm>
#include <iostream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

const char* usage =
    "usage: forge sweep --data P --model M [train flags] --FLAG V1,V2,... [--FLAG ...] [-j N]\n"
    "       forge sweep ... --launcher slurm [--slurm_partition P] [--slurm_time T] ...\n"
    "       forge sweep --status SWEEP_DIR\n"
    "Trains every combination of the comma-separated values (the grid), each point an ordinary\n"
    "numbered run of the run name, labelled with the sweep's id and its point. Launching the same\n"
    "command again skips completed points, resumes interrupted ones and starts the rest. The\n"
    "sweep's record is <checkpoint_dir>/<run_name>/sweeps/<id>/sweep.json, with each point's\n"
    "output in point-<N>.log beside it. Ends with a table of the points, their status and test\n"
    "metrics; exit 0 when every point completed, 1 when some did not.\n"
    "Every flag below is the sweep's own; every other flag goes to forge train.\n";

// The sweep's own options; every other argument goes to forge train.
FlagSet sweep_syntax() {
  FlagSet set("sweep");
  set.declare(
      {
          integer_flag("jobs", 0, "points trained at once (0: here one at a time; on SLURM no limit)"),
          text_flag("launcher", "local", "local (here) or slurm (one SLURM job array through sbatch)"),
          text_flag("status", "", "SWEEP_DIR: print the points of that sweep, their runs' and SLURM jobs' states"),
      },
      "forge sweep");
  set.declare(slurm_flag_specs(), "forge sweep on SLURM");
  set.add_short_name('j', "jobs");
  set.forward_undeclared();
  return set;
}

struct SweepOptions {
  int jobs = 0;  // 0: not given (one at a time here; no limit on SLURM)
  std::string launcher = "local";
  std::string status;
  SlurmOptions slurm;
  Args train_args;
};

SweepOptions sweep_options(const CommandLine& line) {
  const Flags& flags = line.flags;
  SweepOptions options;
  options.jobs = count_flag(flags, "jobs", 0);
  options.launcher = flags.text("launcher");
  options.status = flags.text("status");
  options.slurm = slurm_options(flags);
  options.train_args = line.forwarded;
  if (options.launcher != "local" && options.launcher != "slurm")
    throw Error(ExitCode::usage, "invalid value '" + options.launcher + "' for --launcher: expected local or slurm");
  return options;
}

// A flag every point shares, from the command line or the --config file; "" when absent.
std::string shared_flag(const SweepPlan& plan, const std::string& name) {
  for (const auto& axis : plan.axes)
    if (axis.flag == name) return "";
  return given_or_configured(plan.shared_args, name);
}

std::string run_name_of(const SweepPlan& plan) {
  std::string name = shared_flag(plan, "run_name");
  if (!name.empty()) return name;
  const std::string data = shared_flag(plan, "data"), model = shared_flag(plan, "model");
  if (data.empty() || model.empty())
    throw Error(ExitCode::usage, "a sweep over --data or --model needs --run_name (its runs share one run name)");
  // What forge train names a run by default: the plugins' file stems.
  return fs::path(data).stem().string() + "_" + fs::path(model).stem().string();
}

std::string metric_cell(const RunSummary& run, const std::string& name) {
  auto it = run.final_metrics.find(name);
  return fixed_or_dash(it == run.final_metrics.end() ? std::nullopt : std::optional<double>(it->second), 4);
}

// One row per point: its values, run folder, status (and SLURM state), epochs, test metrics.
std::string points_table(const SweepRecord& record, const std::map<size_t, std::string>& slurm_states) {
  std::vector<std::string> header{"#", "point", "run", "status"};
  if (!slurm_states.empty()) header.push_back("slurm");
  for (const std::string column : {"epochs", "test accuracy", "test loss"}) header.push_back(column);
  TextTable table(header);
  const json& points = record.json["points"];
  for (size_t i = 0; i < points.size(); ++i) {
    const std::string label = point_text(points[i]["values"]);
    const std::string dir = points[i].value("run_dir", "");
    std::vector<std::string> row{std::to_string(i), label.empty() ? "-" : label, dir.empty() ? "-" : dir};
    std::optional<RunSummary> run;
    if (!dir.empty() && is_run_dir(dir)) run = summarize_run(dir);
    // A point whose training ended before its run began (bad flags, say) has no run status.
    const int exit_code = points[i].value("exit_code", 0);
    row.push_back(run ? run->status : exit_code ? "failed (exit " + std::to_string(exit_code) + ")" : "pending");
    if (!slurm_states.empty()) row.push_back(slurm_states.count(i) ? slurm_states.at(i) : "-");
    row.push_back(run ? progress_text(*run) : "-");
    row.push_back(run ? metric_cell(*run, "test/accuracy") : "-");
    row.push_back(run ? metric_cell(*run, "test/loss") : "-");
    table.add_row(row);
  }
  return table.render();
}

int show_status(const std::string& path) {
  SweepRecord record = read_sweep_record(path);
  std::map<size_t, std::string> states;
  if (record.json.value("launcher", "") == "slurm") states = slurm_task_states(record);
  write_sweep_hparams(record);  // points trained by SLURM since: their metrics in TensorBoard's experiment
  std::cout << "sweep " << record.json.value("id", "?") << " (" << record.json.value("launcher", "local") << ", "
            << record.json["points"].size() << " points)\n"
            << points_table(record, states);
  return 0;
}

// The points whose run is not completed yet (a sweep run again continues where it stopped).
std::vector<PointToRun> points_to_run(SweepRecord& record, const SweepPlan& plan, const std::string& checkpoint_dir,
                                      const std::string& run_name) {
  std::vector<PointToRun> to_run;
  for (size_t i = 0; i < plan.points.size(); ++i) {
    const std::string dir = point_run_dir(record, plan, i, checkpoint_dir, run_name);
    if (point_status(dir) == "completed") {
      spdlog::info("point {} ({}): completed already in {}", i, plan.points[i].label(), dir);
      continue;
    }
    to_run.push_back({i, plan.points[i].label(), dir, plan.points[i].train_args});
  }
  return to_run;
}

// Runs the points here, -j at a time; the exit code: 0 when every point completed.
// `tracking_uri`: the MLflow server its parent run is on ("": none).
int run_here(SweepRecord& record, const std::vector<PointToRun>& to_run, size_t points, int jobs,
             const std::string& tracking_uri) {
  const LocalSweepResult result = run_points_locally(record.dir, to_run, std::max(jobs, 1));
  for (const auto& [index, code] : result.exit_codes) record.json["points"][index]["exit_code"] = code;
  save_sweep_record(record);
  write_sweep_hparams(record);
  std::cout << points_table(record, {});
  if (result.stopped_by) {
    finish_parent_run(tracking_uri, record.dir, "KILLED");
    spdlog::warn("sweep stopped by a signal; run the same command again to continue it");
    return result.stopped_by;
  }
  size_t completed = 0;
  for (const auto& point : record.json["points"]) completed += point_status(point["run_dir"]) == "completed";
  finish_parent_run(tracking_uri, record.dir, completed == points ? "FINISHED" : "FAILED");
  if (completed == points) return 0;
  spdlog::error("{} of {} points did not complete", points - completed, points);
  return int(ExitCode::failure);
}

}  // namespace

int sweep_command(const Args& args, const Args& command_line) {
  const std::optional<CommandLine> line = read_command_line(args, usage, sweep_syntax());
  if (!line) return 0;
  const SweepOptions options = sweep_options(*line);
  if (!options.status.empty()) return show_status(options.status);
  SweepPlan plan = plan_sweep(options.train_args);
  if (shared_flag(plan, "data").empty() && shared_flag(plan, "model").empty() &&
      find_flag_value(plan.shared_args, "config").empty() && plan.axes.empty())
    throw Error(ExitCode::usage,
                std::string("forge sweep needs train flags (--data, --model...); ") + "see forge sweep --help");
  const std::string checkpoint_dir =
      shared_flag(plan, "checkpoint_dir").empty() ? "checkpoints" : shared_flag(plan, "checkpoint_dir");
  const std::string run_name = run_name_of(plan);
  if (options.launcher == "slurm") check_slurm_sweep(plan, options.slurm, checkpoint_dir + "/" + run_name);
  const std::string tracking = tracking_uri(shared_flag(plan, "tracking_uri"));
  SweepRecord record =
      open_sweep_record(sweep_dir(checkpoint_dir, run_name, plan), plan, command_line, options.launcher);
  spdlog::info("sweep {}: {} points, record {}/sweep.json", plan.id, plan.points.size(), record.dir);
  const std::vector<PointToRun> to_run = points_to_run(record, plan, checkpoint_dir, run_name);
  announce_parent_run(tracking, sweep_parent_run(record));
  if (options.launcher != "slurm") return run_here(record, to_run, plan.points.size(), options.jobs, tracking);
  if (!to_run.empty()) submit_slurm_array(record, to_run, options.slurm, options.jobs);
  std::cout << points_table(record, slurm_task_states(record));
  return 0;
}

}  // namespace forge
