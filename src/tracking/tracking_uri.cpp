#include "tracking/tracking_uri.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>

namespace forge {

std::string unusable_tracking_uri(const std::string& uri) {
  const size_t scheme_end = uri.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : uri.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    return "forge tracks to an MLflow server over http or https (mlflow server --host ... --port ...), not to '" + uri +
           "'";
  const std::string authority = uri.substr(scheme_end + 3, uri.find('/', scheme_end + 3) - (scheme_end + 3));
  if (authority.empty()) return "'" + uri + "' names no server";
  if (authority.find('@') != std::string::npos)
    return "credentials in the tracking URI would be saved in flags.json: put them in MLFLOW_TRACKING_USERNAME and "
           "MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN)";
  return "";
}

std::string tracking_uri(const std::string& flag) {
  if (flag == "off") return "";
  if (!flag.empty()) {
    const std::string why = unusable_tracking_uri(flag);
    if (!why.empty()) throw Error(ExitCode::usage, "--tracking_uri: " + why);
    return flag;
  }
  const char* environment = std::getenv("MLFLOW_TRACKING_URI");
  if (!environment || !*environment) return "";
  const std::string why = unusable_tracking_uri(environment);
  if (why.empty()) return environment;
  static std::once_flag once;
  std::call_once(once, [&] { spdlog::warn("MLFLOW_TRACKING_URI is not used: {}", why); });
  return "";
}

}  // namespace forge
