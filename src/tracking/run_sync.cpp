#include "tracking/run_sync.hpp"

#include "core/confined_file.hpp"
#include "core/hash.hpp"
#include "core/json_file.hpp"
#include "report/html_report.hpp"
#include "report/run_artifacts.hpp"
#include "runs/manifest.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_files.hpp"
#include "runs/run_summary.hpp"

#include <boost/filesystem.hpp>

#include <algorithm>
#include <cmath>
#include <future>
#include <limits>
#include <optional>
#include <set>

namespace fs = boost::filesystem;

namespace forge {

namespace {

// A time the manifest records (2026-12-02T20:38:51+0000) in MLflow's milliseconds; now when
// there is none.
int64_t mlflow_time(const std::string& iso8601) {
  const std::optional<double> seconds = parse_iso8601(iso8601);
  return seconds ? int64_t(std::llround(*seconds * 1000)) : mlflow_now_ms();
}

std::string flag_text(const json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

// The experiment: the run's --run_name. The MLflow run: the folder's path from the folder of
// that name (<run_name>/<N>, <run_name>/searches/<id>/trials/<i>), else <run_name>/<folder>.
std::pair<std::string, std::string> run_names(const std::string& run_dir, const json& flags) {
  const fs::path folder = fs::absolute(run_dir).lexically_normal();
  std::string experiment = flags.contains("run_name") ? flag_text(flags["run_name"]) : "";
  if (experiment.empty()) experiment = folder.parent_path().filename().string();
  if (experiment.empty()) experiment = "forge";
  std::string below = folder.filename().string();
  for (fs::path up = folder.parent_path(); !up.empty() && up != up.root_path(); up = up.parent_path()) {
    if (up.filename() == experiment) return {experiment, experiment + "/" + below};
    below = up.filename().string() + "/" + below;
  }
  return {experiment, experiment + "/" + folder.filename().string()};
}

MlflowPairs run_tags(const std::string& run_dir, const Manifest& manifest, const std::string& parent_run_id) {
  MlflowPairs tags = {{"forge.version", manifest.forge_version},
                      {"forge.libtorch_version", manifest.libtorch_version},
                      {"forge.device", manifest.device},
                      {"forge.world_size", std::to_string(manifest.world_size)},
                      {"forge.host", manifest.host},
                      {"forge.run_dir", fs::absolute(run_dir).lexically_normal().string()}};
  for (const auto& [role, plugin] : manifest.plugins) {
    tags.push_back({"forge." + role + ".plugin", plugin.name});
    tags.push_back({"forge." + role + ".sha1", plugin.sha1});
    if (plugin.git) {
      tags.push_back({"forge." + role + ".git_commit", plugin.git->commit});
      tags.push_back({"forge." + role + ".git_dirty", plugin.git->dirty ? "true" : "false"});
      if (role == "model") tags.push_back({"mlflow.source.git.commit", plugin.git->commit});
    }
  }
  if (fs::exists(sweep_point_file(run_dir))) {
    try {
      json point = read_json(sweep_point_file(run_dir));
      if (point.contains("sweep")) tags.push_back({"forge.sweep", flag_text(point["sweep"])});
      if (point.contains("point")) tags.push_back({"forge.sweep_point", flag_text(point["point"])});
    } catch (const std::exception&) {
    }
  }
  // A search's trial lives in <study>/trials/<index>.
  const fs::path folder(run_dir);
  if (folder.parent_path().filename() == "trials" && fs::exists(folder.parent_path().parent_path() / "search.json")) {
    tags.push_back({"forge.search", folder.parent_path().parent_path().filename().string()});
    tags.push_back({"forge.search_trial", folder.filename().string()});
  }
  if (!parent_run_id.empty()) tags.push_back({"mlflow.parentRunId", parent_run_id});
  for (auto& [key, value] : tags)
    if (value.size() > MlflowLimits::tag_value) value.resize(MlflowLimits::tag_value);
  return tags;
}

// A run folder's file as a path below it: flags_file("") is "/flags.json".
std::string below_run(const std::string& path_in_empty_run) { return path_in_empty_run.substr(1); }

// The run's files to keep beside it on the server, as paths below the run folder: regular
// files only, never through a link (the folder may come from anywhere).
std::vector<std::string> artifact_files(const std::string& run_dir) {
  std::vector<std::string> files;
  for (const std::string& name : {below_run(flags_file("")), below_run(manifest_file("")), below_run(evals_file("")),
                                  below_run(model_summary_file(""))})
    if (fs::is_regular_file(fs::symlink_status(run_dir + "/" + name))) files.push_back(name);
  std::vector<std::string> folders = {below_run(tables_folder("")), below_run(images_folder(""))};
  while (!folders.empty()) {
    const std::string folder = folders.back();
    folders.pop_back();
    for (const ConfinedEntry& entry : list_confined_folder(run_dir, folder)) {
      const std::string path = folder + "/" + entry.name;
      if (entry.kind == ConfinedEntry::Kind::folder) folders.push_back(path);
      if (entry.kind == ConfinedEntry::Kind::file) files.push_back(path);
    }
  }
  return files;
}

}  // namespace

std::string mlflow_status(const std::string& forge_status) {
  if (forge_status == "completed") return "FINISHED";
  if (forge_status == "failed") return "FAILED";
  if (forge_status == "running") return "";
  return "KILLED";  // interrupted to be resumed, or crashed
}

RunSync::RunSync(const MlflowClient& client, std::string run_dir, std::string parent_run_id)
    : client_(client), run_dir_(std::move(run_dir)), parent_run_id_(std::move(parent_run_id)) {
  record_ = read_tracking_record(run_dir_);
}

int64_t RunSync::rows_sent() const {
  auto it = record_.find(client_.uri());
  return it == record_.end() ? 0 : it->second.rows_done - int64_t(held_.size());
}

const std::string& RunSync::run_id() const {
  static const std::string none;
  auto it = record_.find(client_.uri());
  return it == record_.end() ? none : it->second.run_id;
}

void RunSync::save() const { write_tracking_record(run_dir_, record_); }

void RunSync::send(bool closing) {
  const Manifest manifest = read_manifest(run_dir_);
  if (server().run_id.empty()) make_run();
  if (!server().params_sent) send_params_and_tags();
  if (!early_artifacts_sent_) {
    // What the run's start wrote, sent now rather than when the run ends and waits for it.
    std::vector<std::string> early;
    for (const std::string& file : {below_run(flags_file("")), below_run(model_summary_file(""))})
      if (fs::is_regular_file(fs::symlink_status(run_dir_ + "/" + file))) early.push_back(file);
    send_artifacts(early, /*with_report=*/false);
    early_artifacts_sent_ = true;
  }
  const std::string status = mlflow_status(manifest.status);
  if (status.empty() && server().status_sent != "RUNNING") {
    client_.update_run(server().run_id, "RUNNING", 0);
    server().status_sent = "RUNNING";
    server().end_sent.clear();
    save();
  }
  read_new_rows();
  // Rows up to the newest checkpoint are final: a resume starts after them.
  int64_t settled_step = manifest.progress ? manifest.progress->step : 0;
  if (manifest.status == "completed") settled_step = std::numeric_limits<int64_t>::max();
  send_rows(settled_step);
  // A run made before its sweep's parent was (the server was down then) is nested now.
  if (closing && !parent_run_id_.empty() && !made_with_parent_)
    client_.log_batch(server().run_id, {}, {}, {{"mlflow.parentRunId", parent_run_id_}});
  if (closing && !status.empty() && server().end_sent != manifest.ended) send_end(status, manifest.ended);
}

void RunSync::make_run() {
  const json flags = read_json(flags_file(run_dir_));
  const Manifest manifest = read_manifest(run_dir_);
  const auto [experiment, name] = run_names(run_dir_, flags);
  ServerRecord& r = server();
  r = ServerRecord{};
  r.experiment_id = client_.experiment_id(experiment);
  MlflowClient::CreatedRun made = client_.create_run(r.experiment_id, name, mlflow_time(manifest.started),
                                                     run_tags(run_dir_, manifest, parent_run_id_));
  r.run_id = made.run_id;
  r.artifact_uri = made.artifact_uri;
  r.status_sent = "RUNNING";
  made_with_parent_ = !parent_run_id_.empty();
  save();
}

void RunSync::send_params_and_tags() {
  const json flags = read_json(flags_file(run_dir_));
  MlflowPairs params;
  for (const auto& [name, value] : flags.items()) params.push_back({name, flag_text(value)});
  client_.log_params(server().run_id, params);
  server().params_sent = true;
  save();
}

void RunSync::read_new_rows() {
  const ServerRecord& r = server();
  for (const MetricRow& row : read_new_metrics(run_dir_, offset_)) {
    const int64_t index = rows_read_++;
    const bool new_step = row.step != previous_step_;
    previous_step_ = row.step;
    const bool wall_clock = row.name == "steps_per_second";
    // The server has it (a resume redid it identically), unless it is a speed still held back.
    if (index < r.rows_done && !(wall_clock && row.step > r.held_after)) continue;
    Row pending{index, row.step, wall_clock, {}};
    const int64_t timestamp = std::llround(row.wall_time * 1000);
    pending.metrics.push_back({mlflow_key(row.split + "/" + row.name), row.value, timestamp, row.step});
    if (new_step) pending.metrics.push_back({"epoch", double(row.epoch), timestamp, row.step});
    (index < r.rows_done ? held_ : rows_).push_back(std::move(pending));
  }
}

void RunSync::send_rows(int64_t settled_step) {
  // The held-back speeds a checkpoint has made final since, and the new rows, in order; the
  // speeds past the newest checkpoint are held back.
  std::vector<const Row*> to_send, still_held;
  for (const Row& row : held_) (row.step <= settled_step ? to_send : still_held).push_back(&row);
  for (const Row& row : rows_) (row.wall_clock && row.step > settled_step ? still_held : to_send).push_back(&row);
  size_t next = 0;
  while (next < to_send.size()) {
    std::vector<MlflowMetric> batch;
    size_t bytes = 200, end = next;
    // Whole rows only, so that what is acknowledged is a number of rows.
    for (; end < to_send.size(); ++end) {
      size_t row_bytes = 0;
      for (const MlflowMetric& m : to_send[end]->metrics) row_bytes += metric_request_bytes(m);
      if (end > next && (batch.size() + to_send[end]->metrics.size() > MlflowLimits::metrics ||
                         bytes + row_bytes > MlflowLimits::request_bytes))
        break;
      batch.insert(batch.end(), to_send[end]->metrics.begin(), to_send[end]->metrics.end());
      bytes += row_bytes;
    }
    client_.log_batch(server().run_id, batch, {}, {});
    // The new rows before the next one to send are dealt with: sent, or speeds held back past
    // the newest checkpoint (a kill now would resend settled speeds, which MLflow keeps once).
    int64_t next_new = rows_read_;
    for (size_t i = end; i < to_send.size(); ++i)
      if (to_send[i]->index >= server().rows_done) {
        next_new = to_send[i]->index;
        break;
      }
    if (next_new > server().rows_done && end < to_send.size()) {
      server().rows_done = next_new;
      server().held_after = std::max(server().held_after, settled_step);
      save();
    }
    next = end;
  }
  std::vector<Row> keep;
  for (const Row* row : still_held) keep.push_back(*row);
  std::sort(keep.begin(), keep.end(), [](const Row& a, const Row& b) { return a.index < b.index; });
  held_ = std::move(keep);
  rows_.clear();
  server().rows_done = std::max(server().rows_done, rows_read_);  // every row read is sent or held
  server().held_after = std::max(server().held_after, settled_step);
  save();
}

void RunSync::send_end(const std::string& status, const std::string& ended) {
  // The status and the artifacts at once: the run's end waits for both.
  std::future<void> status_set = std::async(
      std::launch::async, [&, run_id = server().run_id] { client_.update_run(run_id, status, mlflow_time(ended)); });
  try {
    send_artifacts(artifact_files(run_dir_), /*with_report=*/true);
  } catch (...) {
    status_set.wait();
    throw;
  }
  status_set.get();
  server().status_sent = status;
  server().end_sent = ended;
  save();
}

void RunSync::send_artifacts(const std::vector<std::string>& files, bool with_report) {
  constexpr uint64_t largest = uint64_t(256) << 20;
  struct Artifact {
    std::string path, bytes, sha1;
  };
  std::vector<Artifact> changed;
  std::map<std::string, std::string>& sent = server().artifacts;
  for (const std::string& file : files) {
    ConfinedRead read = read_confined_file(run_dir_, file, largest);
    if (!read.ok) continue;
    std::string sha1 = sha1_hex(read.bytes);
    auto it = sent.find(file);
    if (it == sent.end() || it->second != sha1) changed.push_back({file, std::move(read.bytes), std::move(sha1)});
  }
  if (with_report) {
    const std::string name = run_names(run_dir_, read_json(flags_file(run_dir_))).second;
    std::string report = html_report({summarize_run(run_dir_)}, {name}, "forge run " + name,
                                     run_artifacts_html(find_run_artifacts(run_dir_), name));
    std::string sha1 = sha1_hex(report);
    changed.push_back({"report.html", std::move(report), std::move(sha1)});
  }
  // A few at a time: each is a round trip, and the run's end waits for them.
  constexpr size_t at_once = 4;
  for (size_t start = 0; start < changed.size(); start += at_once) {
    std::vector<std::future<void>> uploads;
    for (size_t i = start; i < std::min(changed.size(), start + at_once); ++i)
      uploads.push_back(std::async(std::launch::async, [&, i, root = server().artifact_uri] {
        client_.upload_artifact(root, changed[i].path, changed[i].bytes);
      }));
    for (auto& upload : uploads) upload.wait();
    for (size_t i = start; i < std::min(changed.size(), start + at_once); ++i) {
      uploads[i - start].get();  // the first failure stops here; those before it are recorded
      sent[changed[i].path] = changed[i].sha1;
    }
  }
  save();
}

}  // namespace forge
