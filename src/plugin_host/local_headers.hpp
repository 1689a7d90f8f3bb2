// The project-local headers a plugin source includes: `#include "x.hpp"` lines whose file
// exists relative to the including file, followed recursively. They belong to the plugin as
// much as its .cpp does: they are hashed into the cache key and snapshotted into runs.
#pragma once

#include <string>
#include <vector>

namespace forge {

// Paths of the local headers `source` includes, directly or not, each once, in the order met.
std::vector<std::string> local_headers(const std::string& source);

// `// forge:link NAME` lines of a source: extra libraries (-lNAME) the plugin links against.
std::vector<std::string> link_directives(const std::string& source_text);

}  // namespace forge
