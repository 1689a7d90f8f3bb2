#include "tracking/tracking_record.hpp"

#include "core/json_file.hpp"
#include "runs/run_files.hpp"

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

namespace forge {

TrackingRecord read_tracking_record(const std::string& folder) {
  TrackingRecord record;
  const std::string path = tracking_file(folder);
  if (!boost::filesystem::exists(path)) return record;
  try {
    json file = read_json(path);
    for (const auto& [uri, server] : file.at("servers").items()) {
      ServerRecord& r = record[uri];
      r.experiment_id = server.value("experiment_id", "");
      r.run_id = server.value("run_id", "");
      r.artifact_uri = server.value("artifact_uri", "");
      r.params_sent = server.value("params_sent", false);
      r.rows_done = server.value("rows_done", int64_t(0));
      r.held_after = server.value("held_after", int64_t(0));
      r.status_sent = server.value("status_sent", "");
      r.end_sent = server.value("end_sent", "");
      r.artifacts = server.value("artifacts", std::map<std::string, std::string>());
      r.refused = server.value("refused", "");
    }
  } catch (const std::exception& e) {
    spdlog::warn("{} is unreadable ({}): what the tracking servers have of this run is sent again", path, e.what());
    record.clear();
  }
  return record;
}

void write_tracking_record(const std::string& folder, const TrackingRecord& record) {
  json servers = json::object();
  for (const auto& [uri, r] : record)
    servers[uri] = {{"experiment_id", r.experiment_id}, {"run_id", r.run_id},
                    {"artifact_uri", r.artifact_uri},   {"params_sent", r.params_sent},
                    {"rows_done", r.rows_done},         {"held_after", r.held_after},
                    {"status_sent", r.status_sent},     {"end_sent", r.end_sent},
                    {"artifacts", r.artifacts},         {"refused", r.refused}};
  write_json_atomically(tracking_file(folder), {{"servers", servers}});
}

}  // namespace forge
