// <folder>/tracking.json: what each tracking server has of a run (or of a sweep's or search's
// parent run) — the MLflow run it is, and how far sending got: the flags, the metrics.csv
// rows acknowledged, the artifacts, the status and the end last sent. Written
// atomically after each acknowledged request, so a kill at any moment loses at most the
// knowledge of one request, which is then sent again (a metric batch sent twice keeps its
// timestamps, and MLflow stores an identical metric once).
//
// Only the process that holds the run (its trainer, or `forge sync` under the run's lock)
// writes it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace forge {

struct ServerRecord {
  std::string experiment_id, run_id, artifact_uri;
  bool params_sent = false;
  // metrics.csv rows dealt with, from the first: the server has each of them but for the
  // measured speeds (run_sync.hpp) past step `held_after`, which wait for a checkpoint.
  int64_t rows_done = 0;
  int64_t held_after = 0;
  std::string status_sent;                       // the status last set: RUNNING, FINISHED, FAILED, KILLED
  std::map<std::string, std::string> artifacts;  // path below the run -> SHA-1 of what was uploaded
  std::string end_sent;                          // the manifest's end time whose status and artifacts were sent
  std::string refused;                           // why the server refused this run, when it did; "": it did not
};

using TrackingRecord = std::map<std::string, ServerRecord>;  // by server URI

// Empty when the file is missing or unreadable (then everything is sent again: the run on the
// server is made anew).
TrackingRecord read_tracking_record(const std::string& folder);
void write_tracking_record(const std::string& folder, const TrackingRecord& record);

}  // namespace forge
