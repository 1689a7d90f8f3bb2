#include "plugin_host/plugin_loader.hpp"

#include <forge/error.hpp>

#include <boost/dll/shared_library.hpp>

#include <mutex>

namespace forge {
namespace {

// Every library ever loaded, kept until exit (see the header).
std::vector<boost::dll::shared_library>& loaded_libraries() {
  static std::vector<boost::dll::shared_library> libraries;
  return libraries;
}

[[noreturn]] void fail(const std::string& library, const std::string& why) {
  throw Error(ExitCode::plugin, "plugin " + library + " " + why);
}

}  // namespace

const char* kind_name(PluginKind kind) { return kind == PluginKind::data ? "data" : "model"; }

LoadedPlugin load_plugin(const std::string& library, PluginKind expected) {
  boost::dll::shared_library lib;
  try {
    lib.load(library, boost::dll::load_mode::rtld_now);
  } catch (const std::exception& e) {
    fail(library, std::string("cannot be loaded (") + e.what() +
                      "); give a forge plugin: a .cpp source or a library built from one");
  }
  if (!lib.has("forge_plugin_abi") || !lib.has("forge_plugin_kind"))
    fail(library,
         "is not a forge plugin: it does not export forge_plugin_abi (declare it with "
         "FORGE_DATA_PLUGIN or FORGE_MODEL_PLUGIN from <forge/plugin.hpp>)");
  int abi = lib.get<int()>("forge_plugin_abi")();
  if (abi != plugin_abi_version)
    fail(library, "was built for plugin ABI " + std::to_string(abi) + ", this forge uses ABI " +
                      std::to_string(plugin_abi_version) + "; rebuild it from its source");
  std::string kind = lib.get<const char*()>("forge_plugin_kind")();
  if (kind != kind_name(expected))
    fail(library, "is a " + kind + " plugin, but was given as the " + kind_name(expected) + " plugin (--" +
                      kind_name(expected) + ")");
  if (!lib.has("load")) fail(library, "has no load entry point (export it with FORGE_PLUGIN_LOAD)");

  LoadedPlugin plugin;
  plugin.kind = expected;
  plugin.library = library;
  if (lib.has("forge_flags")) {
    try {
      plugin.flags = lib.get_alias<std::vector<FlagSpec>()>("forge_flags")();
    } catch (const std::exception& e) {
      fail(library, std::string("failed to declare its flags: ") + e.what());
    }
  }
  if (expected == PluginKind::data)
    plugin.load_data = &lib.get_alias<DataMap(const Flags&)>("load");
  else
    plugin.load_model = &lib.get_alias<std::shared_ptr<Model>(const Flags&, const DataMap&)>("load");
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  loaded_libraries().push_back(std::move(lib));
  return plugin;
}

}  // namespace forge
