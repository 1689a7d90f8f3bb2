// A plugin made ready for a run: resolved, compiled when it is a source, loaded and its kind
// checked — from the command line (train) or from a run folder's record (resume, eval, the API).
#pragma once

#include "plugin_host/plugin_loader.hpp"
#include "runs/snapshot.hpp"

#include <string>

namespace forge {

struct PreparedPlugin {
  LoadedPlugin loaded;
  PluginFiles files;            // what a run snapshots
  std::string rebuilt_because;  // a saved plugin rebuilt from its saved source: why; else ""
  std::string loaded_despite;   // a saved plugin loaded as it is only by --force: why it was not trusted
};

// Resolves `given`, compiles it when it is a source, loads it and checks its kind.
PreparedPlugin prepare_plugin(const std::string& given, PluginKind kind);

// Both plugins of `forge train`, prepared at once: a cold compile takes tens of seconds each.
struct PreparedPlugins {
  PreparedPlugin data, model;
};
PreparedPlugins prepare_plugins(const std::string& data, const std::string& model);

// Loads the plugin a run saved (its manifest record). A run folder from elsewhere is code, like
// a pickle: the library is loaded only when it lies inside the run folder and matches the
// SHA-1 the run recorded. When it does not, or it cannot be loaded (say forge was upgraded),
// and the run holds the source, the plugin is rebuilt from that source; otherwise it is refused
// with Error(ExitCode::run), unless `force` (the user trusts the run), which loads it anyway.
PreparedPlugin prepare_saved_plugin(const std::string& run_dir, const PluginRecord& record, PluginKind kind,
                                    bool force = false);

// "data plugin mnist": how messages name the plugin.
std::string plugin_label(const PreparedPlugin& plugin);

}  // namespace forge
