// Copies what a run needs to be resumed or evaluated without the original files into the run
// folder: for each plugin its library, its source and the local headers it includes, and the
// git state of the repository the source came from.
//
//   <run>/plugins/<role>/<name>.so         the library the run used
//   <run>/plugins/<role>/src/<files>       the source and its local headers (when known)
//   <run>/plugins/<role>/git.diff          uncommitted changes (when in a git repository)
#pragma once

#include "runs/manifest.hpp"

#include <string>
#include <vector>

namespace forge {

struct PluginFiles {
  std::string role;                  // "data" or "model"
  std::string given;                 // as named on the command line
  std::string library;               // the library that was loaded
  std::string source;                // "" when only a library was given and no source is beside it
  std::vector<std::string> headers;  // local headers of the source
};

// Copies the plugin into the run folder and returns its record for the manifest:
// name, given, library (relative to the run), sha1, source files, git commit.
PluginRecord snapshot_plugin(const std::string& run_dir, const PluginFiles& plugin);

}  // namespace forge
