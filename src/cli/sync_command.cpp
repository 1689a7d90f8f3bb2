// forge sync RUN_OR_FOLDER...: sends an MLflow tracking server what it lacks of runs — those
// trained with tracking off, on a machine without network, or while the server was down.
#include "cli/command_help.hpp"
#include "cli/commands.hpp"

#include "runs/run_dir.hpp"
#include "runs/run_lock.hpp"
#include "runs/run_summary.hpp"
#include "search/study_tracking.hpp"
#include "sweep/sweep_tracking.hpp"
#include "tracking/run_sync.hpp"
#include "tracking/tracking_uri.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>

namespace fs = boost::filesystem;

namespace forge {
namespace {

const char* sync_help =
    "usage: forge sync RUN_OR_FOLDER... [--tracking_uri URI]\n"
    "Sends the MLflow tracking server (--tracking_uri, else MLFLOW_TRACKING_URI) whatever it lacks of\n"
    "each run: the run itself (experiment: its --run_name; run: <run_name>/<N>), its flags as params,\n"
    "every metrics.csv row not sent yet, its status, and at its end its artifacts (flags, manifest,\n"
    "evaluations, tables, images, the HTML report). What the server has already is not sent again,\n"
    "so the history on the server equals metrics.csv however the run got there. A folder sends every\n"
    "run at or below it; a sweep's folder (sweeps/<id>) sends its points and a search's folder its\n"
    "trials, each under one parent run for the sweep or search. A run being trained is left to the\n"
    "process training it, which sends it itself. Credentials: MLFLOW_TRACKING_TOKEN, or\n"
    "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD; proxies: http_proxy, https_proxy.\n"
    "Exit code 1 when something could not be sent (each said in one line), 5 for a folder that\n"
    "holds no run.\n";

FlagSet sync_syntax() {
  FlagSet set("sync");
  set.take_operands({"RUN_OR_FOLDER..."}, 1);
  set.declare({text_flag("tracking_uri", "", "the MLflow server, http[s]://host:port (default: MLFLOW_TRACKING_URI)")},
              "forge sync");
  return set;
}

struct Target {
  std::string run_dir;
  std::optional<ParentRun> parent;  // the sweep's or search's
};

// What `path` names: a sweep's folder (its points), a search's (its trials) or any folder
// holding runs.
std::vector<Target> targets_of(const std::string& path) {
  std::vector<Target> targets;
  if (fs::is_regular_file(fs::path(path) / "sweep.json")) {
    SweepRecord record = read_sweep_record(path);
    const ParentRun parent = sweep_parent_run(record);
    for (size_t i = 0; i < record.json["points"].size(); ++i) {
      const std::string dir = point_run_folder(record, i);
      if (!dir.empty() && is_run_dir(dir)) targets.push_back({dir, parent});
    }
    return targets;
  }
  if (fs::is_regular_file(fs::path(path) / "search.json")) {
    const ParentRun parent = study_parent_run(read_study(path));
    for (const std::string& dir : find_runs(path)) targets.push_back({dir, parent});
    return targets;
  }
  for (const std::string& dir : find_runs(path)) targets.push_back({dir, std::nullopt});
  return targets;
}

}  // namespace

int sync_command(const Args& args) {
  const std::optional<CommandLine> line = read_command_line(args, sync_help, sync_syntax());
  if (!line) return 0;
  const std::string uri = tracking_uri(line->flags.text("tracking_uri"));
  if (uri.empty())
    throw Error(ExitCode::usage, "no tracking server: give --tracking_uri http://HOST:PORT or set MLFLOW_TRACKING_URI");
  std::vector<Target> targets;
  for (const std::string& path : line->operands) {
    if (!fs::is_directory(path)) throw Error(ExitCode::run, path + " is not a folder");
    std::vector<Target> found = targets_of(path);
    if (found.empty()) throw Error(ExitCode::run, "no run at or below " + path);
    targets.insert(targets.end(), found.begin(), found.end());
  }
  const MlflowClient client(uri, HttpCredentials::from_environment());
  int failures = 0;
  auto failed = [&](const std::string& what, const std::string& why) {
    std::cerr << "forge: " << what << ": not sent: " << why << "\n";
    ++failures;
  };
  for (const Target& target : targets) {
    try {
      // A run whose process died mid-training says so first (and is sent as KILLED).
      record_crash_if_dead(target.run_dir);
      RunLock lock(target.run_dir);
      const std::string parent = target.parent ? parent_run_id(client, *target.parent) : "";
      RunSync sync(client, target.run_dir, parent);
      const int64_t had = sync.rows_sent();
      sync.send(true);
      std::cout << target.run_dir << ": " << (sync.rows_sent() - std::min(had, sync.rows_sent()))
                << " metric rows sent, " << sync.rows_sent() << " on the server (run " << sync.run_id() << ")\n";
    } catch (const Error& e) {
      if (e.code() != ExitCode::run) throw;
      // Another process trains it (and sends it itself), or its folder is damaged.
      failed(target.run_dir, e.what());
    } catch (const HttpUnreachable& e) {
      failed(target.run_dir, std::string(uri) + " did not answer: " + e.what());
    } catch (const MlflowError& e) {
      failed(target.run_dir, e.what());
    }
  }
  // A sweep's or search's parent ends as its runs did, once none is still training.
  std::map<std::string, std::vector<std::string>> statuses;  // by parent folder
  for (const Target& target : targets)
    if (target.parent) statuses[target.parent->folder].push_back(summarize_run(target.run_dir).status);
  for (const auto& entry : statuses) {
    const std::string& folder = entry.first;
    const std::vector<std::string>& of_runs = entry.second;  // (a lambda cannot capture a structured binding in C++17)
    auto count = [&](const char* status) { return size_t(std::count(of_runs.begin(), of_runs.end(), status)); };
    if (count("running") > 0) continue;
    const std::string status = count("failed") > 0                    ? "FAILED"
                               : count("completed") == of_runs.size() ? "FINISHED"
                                                                      : "KILLED";
    try {
      end_parent_run(client, folder, status);
    } catch (const std::exception& e) {
      failed(folder, e.what());
    }
  }
  return failures == 0 ? 0 : int(ExitCode::failure);
}

}  // namespace forge
