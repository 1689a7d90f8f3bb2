#include "sweep/sweep_record.hpp"

#include "runs/manifest.hpp"
#include "runs/run_dir.hpp"
#include "runs/run_files.hpp"
#include "runs/run_summary.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

std::string labelled_run(const std::string& runs_root, const std::string& hash) {
  boost::system::error_code error;
  if (!fs::is_directory(runs_root, error)) return "";
  for (const auto& entry : fs::directory_iterator(runs_root)) {
    const fs::path label = sweep_point_file(entry.path().string());
    if (fs::is_regular_file(label, error) && read_json(label.string()).value("hash", "") == hash)
      return entry.path().string();
  }
  return "";
}

}  // namespace

std::string point_text(const json& values) {
  std::string text;
  for (const auto& [flag, value] : values.items())
    text += (text.empty() ? "" : " ") + flag + "=" + value.get<std::string>();
  return text;
}

std::string sweep_dir(const std::string& checkpoint_dir, const std::string& run_name, const SweepPlan& plan) {
  return (fs::path(checkpoint_dir) / run_name / "sweeps" / plan.id).string();
}

SweepRecord open_sweep_record(const std::string& dir, const SweepPlan& plan, const std::vector<std::string>& command,
                              const std::string& launcher) {
  if (fs::is_regular_file(fs::path(dir) / "sweep.json")) return read_sweep_record(dir);
  json axes = json::array();
  for (const auto& axis : plan.axes) axes.push_back({{"flag", axis.flag}, {"values", axis.values}});
  json points = json::array();
  for (const auto& point : plan.points) {
    json values = json::object();
    for (const auto& [flag, value] : point.values) values[flag] = value;
    points.push_back({{"values", values}, {"hash", point.hash}, {"run_dir", ""}});
  }
  SweepRecord record{dir,
                     {{"id", plan.id},
                      {"created", now_iso8601()},
                      {"command", command},
                      {"launcher", launcher},
                      {"shared_args", plan.shared_args},
                      {"axes", axes},
                      {"points", points}}};
  boost::system::error_code error;
  fs::create_directories(dir, error);
  if (!fs::is_directory(dir))
    throw Error(ExitCode::failure, "cannot create sweep folder " + dir + ": " + error.message());
  save_sweep_record(record);
  return record;
}

SweepRecord read_sweep_record(const std::string& path) {
  const fs::path dir = fs::path(path).filename() == "sweep.json" ? fs::path(path).parent_path() : fs::path(path);
  if (!fs::is_regular_file(dir / "sweep.json"))
    throw Error(ExitCode::run, path +
                                   " is not a sweep folder (it has no sweep.json); sweeps are in "
                                   "<checkpoint_dir>/<run_name>/sweeps/<id>");
  return {dir.string(), read_json((dir / "sweep.json").string())};
}

void save_sweep_record(const SweepRecord& record) { write_json_atomically(record.dir + "/sweep.json", record.json); }

std::string point_run_dir(SweepRecord& record, const SweepPlan& plan, size_t index, const std::string& checkpoint_dir,
                          const std::string& run_name) {
  json& entry = record.json["points"][index];
  std::string dir = entry.value("run_dir", "");
  if (dir.empty() || !fs::is_directory(dir)) {
    const SweepPoint& point = plan.points[index];
    dir = labelled_run((fs::path(checkpoint_dir) / run_name).string(), point.hash);
    if (dir.empty()) {
      dir = claim_run_dir(checkpoint_dir, run_name);
      write_json_atomically(sweep_point_file(dir),
                            {{"sweep", plan.id}, {"point", entry["values"]}, {"hash", point.hash}});
    }
    entry["run_dir"] = dir;
    save_sweep_record(record);
  }
  return dir;
}

std::string point_run_folder(const SweepRecord& record, size_t index) {
  const std::string recorded = record.json["points"][index].value("run_dir", std::string());
  if (recorded.empty() || is_run_dir(recorded)) return recorded;
  const fs::path beside = fs::path(record.dir).parent_path().parent_path() / fs::path(recorded).filename();
  return is_run_dir(beside.string()) ? beside.string() : recorded;
}

std::string point_status(const std::string& run_dir) {
  return is_run_dir(run_dir) ? summarize_run(run_dir).status : "pending";
}

}  // namespace forge
