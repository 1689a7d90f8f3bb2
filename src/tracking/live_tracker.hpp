// Tracking while a run trains: a thread of its own sends the run folder to the MLflow server
// every few seconds (tracking/run_sync.hpp), so that training never waits for the network.
// A server that is down or slow costs one warning, and one line when it answers again; one
// that refuses the run (a 4xx: credentials, a bad value) costs one warning and ends tracking
// for this process. Whatever did not reach the server, `forge sync` sends later.
#pragma once

#include "tracking/mlflow_client.hpp"

#include <memory>
#include <string>

namespace forge {

class LiveTracker {
 public:
  // Starts sending at once. `parent_run_id`: the sweep's or search's MLflow run, or "".
  LiveTracker(const std::string& uri, const std::string& run_dir, const std::string& parent_run_id = "",
              double interval_s = 2);
  ~LiveTracker();  // stops sending, without the end's status and artifacts when finish() was not called
  LiveTracker(const LiveTracker&) = delete;
  LiveTracker& operator=(const LiveTracker&) = delete;

  // Once the manifest records how the run ended: sends the rest, the status and the artifacts,
  // waiting at most `patience_s` (each request at most 10 s) — and not at all when the server
  // ran out of time last time (one that failed at once is tried again).
  // Says in one line what is left for `forge sync`.
  void finish(double patience_s = 20);

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

}  // namespace forge
