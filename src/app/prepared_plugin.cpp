#include "app/prepared_plugin.hpp"

#include "plugins/plugin_compiler.hpp"
#include "plugins/plugin_resolver.hpp"
#include "runs/run_files.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

#include <chrono>
#include <future>

namespace fs = boost::filesystem;

namespace forge {
namespace {

PluginFiles compile_and_describe(const std::string& source, const std::string& role, const std::string& given) {
  auto started = std::chrono::steady_clock::now();
  CompiledPlugin compiled = compile_plugin(source);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (compiled.from_cache)
    spdlog::info("{} plugin {}: cached build {}", role, source, compiled.library);
  else
    spdlog::info("{} plugin {}: compiled in {:.1f} s -> {}", role, source, seconds, compiled.library);
  return {role, given, compiled.library, source, compiled.headers};
}

}  // namespace

std::string plugin_label(const PreparedPlugin& p) {
  return std::string(kind_name(p.loaded.kind)) + " plugin " + fs::path(p.loaded.library).stem().string();
}

PreparedPlugin prepare_plugin(const std::string& given, PluginKind kind) {
  std::string role = kind_name(kind);
  std::string path = resolve_plugin(given);
  PreparedPlugin plugin;
  if (is_plugin_source(path)) {
    plugin.files = compile_and_describe(path, role, given);
  } else {
    // A library: snapshot the source beside it too when there is one (built-in plugins).
    fs::path source = fs::path(path).replace_extension(".cpp");
    plugin.files = {role, given, path, fs::is_regular_file(source) ? source.string() : "", {}};
  }
  plugin.loaded = load_plugin(plugin.files.library, kind);
  return plugin;
}

PreparedPlugins prepare_plugins(const std::string& data, const std::string& model) {
  auto data_future = std::async(std::launch::async, [&] { return prepare_plugin(data, PluginKind::data); });
  PreparedPlugin model_plugin = prepare_plugin(model, PluginKind::model);
  return {data_future.get(), std::move(model_plugin)};
}

PreparedPlugin prepare_saved_plugin(const std::string& run_dir, const PluginRecord& record, PluginKind kind) {
  std::string role = kind_name(kind);
  std::string library = run_dir + "/" + record.library;
  PreparedPlugin plugin;
  plugin.files = {role, record.given, library, "", {}};
  try {
    plugin.loaded = load_plugin(library, kind);
    return plugin;
  } catch (const Error& e) {
    if (record.source.empty()) throw;
    spdlog::warn("{}; rebuilding it from the source saved in the run", e.what());
  }
  std::string source = plugin_sources_folder(run_dir, role) + "/" + record.source;
  plugin.files = compile_and_describe(source, role, plugin.files.given);
  plugin.loaded = load_plugin(plugin.files.library, kind);
  return plugin;
}

}  // namespace forge
