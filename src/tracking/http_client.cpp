#include "tracking/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

namespace forge {

namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

bool truthy(const std::string& value) {
  std::string lower = value;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower == "1" || lower == "true" || lower == "yes";
}

void initialise_curl_once() {
  // Not thread-safe in itself, and must precede every other libcurl call.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t append_to_string(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

HttpCredentials HttpCredentials::from_environment() {
  HttpCredentials credentials;
  credentials.token = environment("MLFLOW_TRACKING_TOKEN");
  credentials.user = environment("MLFLOW_TRACKING_USERNAME");
  credentials.password = environment("MLFLOW_TRACKING_PASSWORD");
  credentials.ca_bundle = environment("MLFLOW_TRACKING_SERVER_CERT_PATH");
  credentials.verify_tls = !truthy(environment("MLFLOW_TRACKING_INSECURE_TLS"));
  return credentials;
}

HttpClient::HttpClient(HttpCredentials credentials, double timeout_s)
    : credentials_(std::move(credentials)), timeout_ms_(std::max(1L, long(timeout_s * 1000))) {
  initialise_curl_once();
}

HttpAnswer HttpClient::send(const std::string& method, const std::string& url, const std::string& body,
                            const std::string& content_type) const {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) throw HttpUnreachable("could not start a request (libcurl)");
  CURL* handle = curl.get();
  HttpAnswer answer;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: other threads train
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms_, 5000L));
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, append_to_string);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &answer.body);
  if (!credentials_.verify_tls) {
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!credentials_.ca_bundle.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, credentials_.ca_bundle.c_str());

  std::vector<std::string> header_lines;
  if (!credentials_.token.empty()) {
    header_lines.push_back("Authorization: Bearer " + credentials_.token);
  } else if (!credentials_.user.empty() || !credentials_.password.empty()) {
    curl_easy_setopt(handle, CURLOPT_HTTPAUTH, long(CURLAUTH_BASIC));
    curl_easy_setopt(handle, CURLOPT_USERNAME, credentials_.user.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, credentials_.password.c_str());
  }
  if (method == "GET") {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.size()));
    header_lines.push_back("Content-Type: " + content_type);
    header_lines.push_back("Expect:");  // no 100-continue round trip before a larger body
  }
  std::unique_ptr<curl_slist, HeaderListDeleter> headers;
  for (const std::string& line : header_lines) headers.reset(curl_slist_append(headers.release(), line.c_str()));
  if (headers) curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());

  const CURLcode result = curl_easy_perform(handle);
  if (result != CURLE_OK)
    throw HttpUnreachable(error[0] ? std::string(error) : std::string(curl_easy_strerror(result)),
                          result == CURLE_OPERATION_TIMEDOUT);
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

std::string url_encoded(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace forge
