// HTTP(S) requests through libcurl, for talking to a tracking server: TLS, proxies (libcurl
// reads http_proxy, https_proxy, no_proxy itself), timeouts that keep a dead or unroutable
// server from holding anyone up, and the credentials MLflow's clients take from the
// environment. Safe to use from any thread (each request is its own curl handle).
#pragma once

#include <stdexcept>
#include <string>

namespace forge {

struct HttpCredentials {
  std::string token;           // sent as "Authorization: Bearer <token>"
  std::string user, password;  // basic authentication, when there is no token
  std::string ca_bundle;       // a CA file to trust instead of the system's; "": the system's
  bool verify_tls = true;

  // From MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME / _PASSWORD, MLFLOW_TRACKING_INSECURE_TLS
  // and MLFLOW_TRACKING_SERVER_CERT_PATH, as MLflow's own clients read them.
  static HttpCredentials from_environment();
};

struct HttpAnswer {
  long status = 0;  // 200, 404...
  std::string body;
};

// No answer at all: the server is down, unreachable, too slow, or TLS failed. Worth retrying.
class HttpUnreachable : public std::runtime_error {
 public:
  explicit HttpUnreachable(const std::string& what, bool timed_out = false)
      : std::runtime_error(what), timed_out_(timed_out) {}
  // The request ran out of time (a slow or silent server), rather than failing at once.
  bool timed_out() const { return timed_out_; }

 private:
  bool timed_out_;
};

class HttpClient {
 public:
  // `timeout_s`: for the whole request; connecting gets at most 5 s of it.
  HttpClient(HttpCredentials credentials, double timeout_s);

  // Throws HttpUnreachable when no answer came; any answer (4xx, 5xx included) is returned.
  HttpAnswer send(const std::string& method, const std::string& url, const std::string& body = "",
                  const std::string& content_type = "application/json") const;

 private:
  HttpCredentials credentials_;
  long timeout_ms_;
};

// `text` percent-encoded for a URL's query or path segment.
std::string url_encoded(const std::string& text);

}  // namespace forge
