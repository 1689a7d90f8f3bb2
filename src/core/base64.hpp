// Base64 (RFC 4648, with padding): how `forge report` embeds a run's images in its one HTML file.
#pragma once

#include <string>

namespace forge {

std::string base64(const std::string& bytes);

}  // namespace forge
