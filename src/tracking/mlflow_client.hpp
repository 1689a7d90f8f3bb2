// MLflow's tracking REST API (/api/2.0/mlflow/...), the part forge uses: experiments by name,
// runs created, updated and logged to in batches, artifacts uploaded through the server's
// mlflow-artifacts proxy. MLflow has no C++ client; this is the protocol its Python client
// speaks, as the server's protos define it.
#pragma once

#include "tracking/http_client.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace forge {

// The server answered with an error. `refused`: a 4xx (bad request, bad credentials, a value
// too long): sending it again will not help. Otherwise (5xx) it may pass.
class MlflowError : public std::runtime_error {
 public:
  MlflowError(const std::string& what, bool refused) : std::runtime_error(what), refused_(refused) {}
  bool refused() const { return refused_; }

 private:
  bool refused_;
};

struct MlflowMetric {
  std::string key;
  double value = 0;
  int64_t timestamp_ms = 0;
  int64_t step = 0;
};

using MlflowPairs = std::vector<std::pair<std::string, std::string>>;  // params or tags

// What one runs/log-batch request may carry (MLflow's documented limits).
struct MlflowLimits {
  static constexpr size_t metrics = 1000, params = 100, tags = 100, entities = 1000;
  static constexpr size_t request_bytes = 1000000;
  static constexpr size_t param_value = 6000, tag_value = 8000, key = 250;
};

class MlflowClient {
 public:
  // `uri`: the server, http(s)://host[:port][/prefix]. Throws HttpUnreachable and MlflowError
  // from every call.
  MlflowClient(std::string uri, const HttpCredentials& credentials, double timeout_s = 30);

  const std::string& uri() const { return uri_; }

  // The experiment's id, made when there is none of that name.
  std::string experiment_id(const std::string& name) const;

  struct CreatedRun {
    std::string run_id, artifact_uri;
  };
  CreatedRun create_run(const std::string& experiment_id, const std::string& run_name, int64_t start_ms,
                        const MlflowPairs& tags) const;

  // status: RUNNING, FINISHED, FAILED, KILLED. end_ms 0: none.
  void update_run(const std::string& run_id, const std::string& status, int64_t end_ms) const;

  // One request: the caller keeps within MlflowLimits.
  void log_batch(const std::string& run_id, const std::vector<MlflowMetric>& metrics, const MlflowPairs& params,
                 const MlflowPairs& tags) const;

  // Params in as many requests as MLflow's limit per request asks, each key and value made one
  // MLflow takes (mlflow_key, mlflow_param_value).
  void log_params(const std::string& run_id, const MlflowPairs& params) const;

  // Puts `bytes` at `path` below the run's artifact root. Throws MlflowError (refused) when the
  // root is not one the server proxies (mlflow-artifacts:/...).
  void upload_artifact(const std::string& artifact_uri, const std::string& path, const std::string& bytes) const;

 private:
  // The answer's body; throws MlflowError for an error answer.
  std::string call(const std::string& method, const std::string& endpoint, const std::string& body,
                   const std::string& content_type = "application/json") const;

  std::string uri_;
  HttpClient http_;
};

// A metric or param key MLflow accepts: characters it refuses become '_', at most 250 of them.
std::string mlflow_key(const std::string& text);

// `value` within MLflow's limit for a param, cut with a note saying so.
std::string mlflow_param_value(const std::string& value);

// Now, in milliseconds since the epoch: MLflow's times.
int64_t mlflow_now_ms();

// The JSON size one metric adds to a log-batch request, at most (for keeping within 1 MB).
size_t metric_request_bytes(const MlflowMetric& metric);

}  // namespace forge
