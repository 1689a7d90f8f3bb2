#include "tracking/tracking_record.hpp"

#include "core/json_file.hpp"

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

namespace forge {

std::string tracking_record_file(const std::string& folder) { return folder + "/tracking.json"; }

TrackingRecord read_tracking_record(const std::string& folder) {
  TrackingRecord record;
  const std::string path = tracking_record_file(folder);
  if (!boost::filesystem::exists(path)) return record;
  try {
    json file = read_json(path);
    for (const auto& [uri, server] : file.at("servers").items()) {
      ServerRecord& r = record[uri];
      r.experiment_id = server.value("experiment_id", "");
      r.run_id = server.value("run_id", "");
      r.artifact_uri = server.value("artifact_uri", "");
      r.params_sent = server.value("params_sent", false);
      r.rows_sent = server.value("rows_sent", int64_t(0));
      r.status_sent = server.value("status_sent", "");
      r.end_sent = server.value("end_sent", "");
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
    servers[uri] = {{"experiment_id", r.experiment_id}, {"run_id", r.run_id},       {"artifact_uri", r.artifact_uri},
                    {"params_sent", r.params_sent},     {"rows_sent", r.rows_sent}, {"status_sent", r.status_sent},
                    {"end_sent", r.end_sent},           {"refused", r.refused}};
  write_json_atomically(tracking_record_file(folder), {{"servers", servers}});
}

}  // namespace forge
