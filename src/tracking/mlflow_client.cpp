#include "tracking/mlflow_client.hpp"

#include "core/wall_clock.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace forge {

namespace {

using json = nlohmann::json;

// JSON has no NaN or infinity; protobuf's JSON mapping, which MLflow's server reads, spells
// them as strings.
json metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

json pairs_json(const MlflowPairs& pairs) {
  json out = json::array();
  for (const auto& [key, value] : pairs) out.push_back({{"key", key}, {"value", value}});
  return out;
}

// "what the server said" from an error answer: its message, else the start of the body.
std::string server_message(const HttpAnswer& answer) {
  try {
    json body = json::parse(answer.body);
    if (body.is_object() && body.contains("message") && body["message"].is_string()) {
      std::string message = body["message"].get<std::string>();
      if (body.contains("error_code") && body["error_code"].is_string())
        message = body["error_code"].get<std::string>() + ": " + message;
      return message;
    }
  } catch (const json::exception&) {
  }
  std::string text = answer.body.substr(0, 200);
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text.empty() ? "no explanation" : text;
}

// The error an answer that is no success is: `refused` for a 4xx (but a timeout or rate limit),
// which sending again will not mend.
MlflowError error_of(const HttpAnswer& answer, const std::string& endpoint) {
  const bool refused = answer.status >= 400 && answer.status < 500 && answer.status != 408 && answer.status != 429;
  const std::string hint = answer.status == 401 || answer.status == 403
                               ? " (forge sends MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or "
                                 "MLFLOW_TRACKING_TOKEN)"
                               : "";
  return MlflowError("HTTP " + std::to_string(answer.status) + " from " + endpoint.substr(0, endpoint.find('?')) +
                         ": " + server_message(answer) + hint,
                     refused);
}

json parsed(const std::string& body, const std::string& endpoint) {
  try {
    return json::parse(body);
  } catch (const json::exception&) {
    throw MlflowError("the server's answer to " + endpoint + " is not JSON", false);
  }
}

}  // namespace

MlflowClient::MlflowClient(std::string uri, const HttpCredentials& credentials, double timeout_s)
    : uri_(std::move(uri)), http_(credentials, timeout_s) {
  while (!uri_.empty() && uri_.back() == '/') uri_.pop_back();
}

std::string MlflowClient::call(const std::string& method, const std::string& endpoint, const std::string& body,
                               const std::string& content_type) const {
  HttpAnswer answer = http_.send(method, uri_ + endpoint, body, content_type);
  if (answer.status >= 200 && answer.status < 300) return answer.body;
  throw error_of(answer, endpoint);
}

std::string MlflowClient::experiment_id(const std::string& name) const {
  const std::string by_name = "/api/2.0/mlflow/experiments/get-by-name?experiment_name=" + url_encoded(name);
  auto id_of = [&](const std::string& body) {
    const json found = parsed(body, by_name);
    // A deleted experiment keeps its name: MLflow refuses a new one of that name.
    if (found.value("experiment", json::object()).value("lifecycle_stage", "") == "deleted")
      throw MlflowError(
          "the experiment '" + name + "' is deleted on the server: restore it, or train under another --run_name",
          true);
    return found.at("experiment").at("experiment_id").get<std::string>();
  };
  const HttpAnswer answer = http_.send("GET", uri_ + by_name);
  if (answer.status == 200) return id_of(answer.body);
  if (answer.status != 404) throw error_of(answer, by_name);
  try {
    json made = parsed(call("POST", "/api/2.0/mlflow/experiments/create", json{{"name", name}}.dump()), "create");
    return made.at("experiment_id").get<std::string>();
  } catch (const MlflowError& e) {
    // Another process (a sweep's other point) made it in between.
    if (!e.refused()) throw;
    return id_of(call("GET", by_name, ""));
  }
}

MlflowClient::CreatedRun MlflowClient::create_run(const std::string& experiment_id, const std::string& run_name,
                                                  int64_t start_ms, const MlflowPairs& tags) const {
  json request = {
      {"experiment_id", experiment_id}, {"run_name", run_name}, {"start_time", start_ms}, {"tags", pairs_json(tags)}};
  json answer = parsed(call("POST", "/api/2.0/mlflow/runs/create", request.dump()), "runs/create");
  const json& info = answer.at("run").at("info");
  return {info.at("run_id").get<std::string>(), info.value("artifact_uri", "")};
}

void MlflowClient::update_run(const std::string& run_id, const std::string& status, int64_t end_ms) const {
  json request = {{"run_id", run_id}, {"status", status}};
  if (end_ms > 0) request["end_time"] = end_ms;
  call("POST", "/api/2.0/mlflow/runs/update", request.dump());
}

void MlflowClient::log_batch(const std::string& run_id, const std::vector<MlflowMetric>& metrics,
                             const MlflowPairs& params, const MlflowPairs& tags) const {
  json request = {{"run_id", run_id}};
  json metric_list = json::array();
  for (const MlflowMetric& m : metrics)
    metric_list.push_back(
        {{"key", m.key}, {"value", metric_value(m.value)}, {"timestamp", m.timestamp_ms}, {"step", m.step}});
  if (!metric_list.empty()) request["metrics"] = std::move(metric_list);
  if (!params.empty()) request["params"] = pairs_json(params);
  if (!tags.empty()) request["tags"] = pairs_json(tags);
  call("POST", "/api/2.0/mlflow/runs/log-batch", request.dump());
}

void MlflowClient::log_params(const std::string& run_id, const MlflowPairs& params) const {
  MlflowPairs accepted;
  for (const auto& [key, value] : params) accepted.push_back({mlflow_key(key), mlflow_param_value(value)});
  for (size_t start = 0; start < accepted.size(); start += MlflowLimits::params)
    log_batch(run_id, {},
              MlflowPairs(accepted.begin() + long(start),
                          accepted.begin() + long(std::min(accepted.size(), start + MlflowLimits::params))),
              {});
}

void MlflowClient::upload_artifact(const std::string& artifact_uri, const std::string& path,
                                   const std::string& bytes) const {
  // mlflow-artifacts:/<experiment>/<run>/artifacts, or mlflow-artifacts://host:port/<...>.
  const std::string scheme = "mlflow-artifacts:";
  if (artifact_uri.rfind(scheme, 0) != 0)
    throw MlflowError("the run's artifact store is " + artifact_uri +
                          ", which the server does not proxy (start it with --serve-artifacts)",
                      true);
  std::string root = artifact_uri.substr(scheme.size());
  if (root.rfind("//", 0) == 0) {
    const size_t path_start = root.find('/', 2);
    root = path_start == std::string::npos ? "" : root.substr(path_start);
  }
  while (!root.empty() && root.front() == '/') root.erase(root.begin());
  std::string encoded_path;
  size_t start = 0;
  const std::string full = root + "/" + path;
  while (start <= full.size()) {
    size_t slash = full.find('/', start);
    if (slash == std::string::npos) slash = full.size();
    if (!encoded_path.empty()) encoded_path += '/';
    encoded_path += url_encoded(full.substr(start, slash - start));
    start = slash + 1;
  }
  const std::string endpoint = "/api/2.0/mlflow-artifacts/artifacts/" + encoded_path;
  call("PUT", endpoint, bytes, "application/octet-stream");
}

std::string mlflow_key(const std::string& text) {
  std::string key = text.substr(0, MlflowLimits::key);
  for (char& c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ' ' || c == '/' ||
          c == ':'))
      c = '_';
  return key;
}

std::string mlflow_param_value(const std::string& value) {
  if (value.size() <= MlflowLimits::param_value) return value;
  const std::string note = " [cut: " + std::to_string(value.size()) + " characters, flags.json has them all]";
  return value.substr(0, MlflowLimits::param_value - note.size()) + note;
}

int64_t mlflow_now_ms() { return std::llround(unix_time() * 1000); }

size_t metric_request_bytes(const MlflowMetric& metric) {
  // {"key":"…","value":…,"timestamp":…,"step":…}, with room for escapes and 17-digit values.
  return metric.key.size() * 2 + 100;
}

}  // namespace forge
