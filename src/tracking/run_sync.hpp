// Sending a run folder to an MLflow server: whatever the server lacks of it, read from the
// folder's own files, so that live tracking during training and `forge sync` afterwards are
// the same code and the server ends up holding the same thing either way.
//
//   experiment  the run's --run_name;  run: <run_name>/<N> (the folder's name), made once, its
//               id kept in the folder's tracking.json (tracking/tracking_record.hpp)
//   params      every flag of flags.json (forge's and both plugins'), sent once
//   tags        versions, device, world size, each plugin's git commit, dirty flag and hash,
//               the sweep point or search trial; mlflow.parentRunId under a sweep or search
//   metrics     every metrics.csv row as <split>/<name> at its step (its wall time as the
//               timestamp), and `epoch` at each step where rows start. Rows are counted: a
//               resumed run redoes its steps identically, so rows the server has are not sent
//               again, and its history equals metrics.csv with no duplicate and no gap. The
//               one kind of row a resume does not redo identically, a measured speed
//               (train/steps_per_second), waits until a checkpoint at or after its step makes
//               it final
//   status      RUNNING while training; at the end FINISHED, FAILED or KILLED (stopped to be
//               resumed, or crashed) as the manifest says
//   artifacts   at the end: flags.json, manifest.json, evals.json, model.json, the tables and
//               images, and the run's HTML report (report.html)
#pragma once

#include "tracking/mlflow_client.hpp"
#include "tracking/tracking_record.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace forge {

// The MLflow status for a forge run status (runs/manifest.hpp); "" for "running".
std::string mlflow_status(const std::string& forge_status);

class RunSync {
 public:
  // `parent_run_id`: the sweep's or search's MLflow run, tagged on the run when it is made.
  RunSync(const MlflowClient& client, std::string run_dir, std::string parent_run_id = "");

  // Sends what the server lacks so far: the run, its params and tags, new metric rows, and
  // RUNNING while the manifest says so. `closing`: also, when the manifest says the run ended,
  // its status and artifacts. Throws HttpUnreachable or MlflowError; what the server
  // acknowledged before is recorded.
  void send(bool closing);

  // Reads the rows appended to metrics.csv since the last call, to send with the next send().
  void read_new_rows();

  // metrics.csv rows read so far, and of those the ones the server has (about: the held-back
  // speeds of rows not read yet by this process are counted as sent).
  int64_t rows_read() const { return rows_read_; }
  int64_t rows_sent() const;
  const std::string& run_id() const;

 private:
  struct Row {
    int64_t index;  // in metrics.csv
    int64_t step;
    bool wall_clock;                    // a measured speed: a resume that redoes its step writes another value
    std::vector<MlflowMetric> metrics;  // the row's, and `epoch` where a new step starts
  };

  void make_run();
  void send_params_and_tags();
  // The rows read and not sent, but for speeds past `settled_step` (held for later).
  void send_rows(int64_t settled_step);
  void send_end(const std::string& status, const std::string& ended);
  // Those of `files` (below the run) whose content the server does not have yet, and the
  // run's HTML report.
  void send_artifacts(const std::vector<std::string>& files, bool with_report);
  ServerRecord& server() { return record_[client_.uri()]; }
  const ServerRecord& server() const { return record_.at(client_.uri()); }
  void save() const;

  const MlflowClient& client_;
  std::string run_dir_, parent_run_id_;
  TrackingRecord record_;
  std::vector<Row> rows_;  // read, and not dealt with yet
  std::vector<Row> held_;  // speeds before rows_done past held_after: not on the server yet
  int64_t rows_read_ = 0;
  uint64_t offset_ = 0;  // in metrics.csv
  int64_t previous_step_ = -1;
  bool early_artifacts_sent_ = false;
  bool made_with_parent_ = false;
};

}  // namespace forge
