#include "tracking/parent_run.hpp"

#include "tracking/tracking_record.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

namespace forge {

std::string parent_run_id(const MlflowClient& client, const ParentRun& parent) {
  TrackingRecord record = read_tracking_record(parent.folder);
  ServerRecord& server = record[client.uri()];
  if (!server.run_id.empty()) return server.run_id;
  server.experiment_id = client.experiment_id(parent.experiment);
  MlflowClient::CreatedRun made =
      client.create_run(server.experiment_id, parent.name, mlflow_now_ms(), {{"forge.kind", "parent"}});
  server.run_id = made.run_id;
  server.artifact_uri = made.artifact_uri;
  server.status_sent = "RUNNING";
  write_tracking_record(parent.folder, record);
  client.log_params(server.run_id, parent.params);
  server.params_sent = true;
  write_tracking_record(parent.folder, record);
  return server.run_id;
}

void end_parent_run(const MlflowClient& client, const std::string& folder, const std::string& status) {
  TrackingRecord record = read_tracking_record(folder);
  auto it = record.find(client.uri());
  if (it == record.end() || it->second.run_id.empty() || it->second.status_sent == status) return;
  client.update_run(it->second.run_id, status, mlflow_now_ms());
  it->second.status_sent = status;
  write_tracking_record(folder, record);
}

void announce_parent_run(const std::string& uri, const ParentRun& parent) {
  if (uri.empty()) return;
  try {
    const std::string id = parent_run_id(MlflowClient(uri, HttpCredentials::from_environment()), parent);
    ::setenv("FORGE_TRACKING_PARENT_RUN", id.c_str(), 1);
  } catch (const std::exception& e) {
    spdlog::warn("tracking: {} did not take {} ({}); its runs are sent without it (forge sync {} nests them)", uri,
                 parent.name, e.what(), parent.folder);
  }
}

void finish_parent_run(const std::string& uri, const std::string& folder, const std::string& status) {
  if (uri.empty()) return;
  try {
    end_parent_run(MlflowClient(uri, HttpCredentials::from_environment()), folder, status);
  } catch (const std::exception& e) {
    spdlog::warn("tracking: {} did not take the status of {} ({}); forge sync {} sends it", uri, folder, e.what(),
                 folder);
  }
}

}  // namespace forge
