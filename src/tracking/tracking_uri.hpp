// Which MLflow tracking server a run goes to: --tracking_uri, else MLFLOW_TRACKING_URI (as
// MLflow's own clients read it), else none.
#pragma once

#include <string>

namespace forge {

// "" for no tracking: neither is set, or the flag says "off". Throws Error(ExitCode::usage)
// for a flag forge cannot track to (not http or https, or with credentials in it, which would
// be saved in flags.json: they belong in MLFLOW_TRACKING_USERNAME and _PASSWORD). The same in
// the environment is a warning, once, and no tracking: it may be set for Python's sake.
std::string tracking_uri(const std::string& flag);

// Why forge cannot track to `uri`, or "" when it can.
std::string unusable_tracking_uri(const std::string& uri);

}  // namespace forge
