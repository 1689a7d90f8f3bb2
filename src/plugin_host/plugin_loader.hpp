// Loads a plugin library with Boost.DLL and checks, before calling anything else in it, that
// it is a forge plugin of the expected kind and plugin ABI version, with a `load` entry point.
// Loaded libraries stay loaded for the life of the process: objects a plugin created (modules,
// their vtables and deleters) point into its code.
#pragma once

#include <forge/plugin.hpp>

#include <memory>
#include <string>
#include <vector>

namespace forge {

struct LoadedPlugin {
  PluginKind kind = PluginKind::data;
  std::string library;
  std::vector<FlagSpec> flags;
  DataLoadFunction load_data = nullptr;    // set for data plugins
  ModelLoadFunction load_model = nullptr;  // set for model plugins
};

const char* kind_name(PluginKind kind);

// Throws Error(ExitCode::plugin) naming `library` when it cannot be loaded, is not a forge
// plugin, was built for another plugin ABI, is of the other kind, or has no `load`.
LoadedPlugin load_plugin(const std::string& library, PluginKind expected);

}  // namespace forge
