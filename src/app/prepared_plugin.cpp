#include "app/prepared_plugin.hpp"

#include "core/hash.hpp"
#include "plugin_host/plugin_compiler.hpp"
#include "plugin_host/plugin_resolver.hpp"
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

// Whether `path` (followed through links) lies inside `dir`.
bool lies_inside(const std::string& dir, const std::string& path) {
  boost::system::error_code error;
  const fs::path inner = fs::canonical(path, error);
  if (error) return false;
  const fs::path outer = fs::canonical(dir, error);
  if (error) return false;
  const fs::path relative = inner.lexically_relative(outer);
  return !relative.empty() && *relative.begin() != "..";
}

// Why a run's saved library must not be loaded as it is: "" when it lies inside the run folder
// and matches the SHA-1 the run recorded.
std::string distrust(const std::string& run_dir, const std::string& library, const std::string& sha1) {
  if (!fs::is_regular_file(library)) return "library " + library + " is missing";
  if (!lies_inside(run_dir, library)) return "library " + library + " lies outside the run folder";
  if (sha1_of_file(library) != sha1)
    return "library " + library + " changed since the run was recorded (its SHA-1 differs)";
  return "";
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

PreparedPlugin prepare_saved_plugin(const std::string& run_dir, const PluginRecord& record, PluginKind kind,
                                    bool force) {
  const std::string role = kind_name(kind);
  const std::string library = run_dir + "/" + record.library;
  PreparedPlugin plugin;
  plugin.files = {role, record.given, library, "", {}};
  std::string why = distrust(run_dir, library, record.sha1);
  if (why.empty() || (force && fs::is_regular_file(library))) {
    if (!why.empty()) spdlog::warn("{} plugin {}; loading it anyway (--force)", role, why);
    try {
      plugin.loaded = load_plugin(library, kind);
      plugin.loaded_despite = why;
      return plugin;
    } catch (const Error& e) {
      if (record.source.empty()) throw;
      why = e.what();
    }
  } else if (record.source.empty()) {
    const bool present = fs::is_regular_file(library);
    throw Error(ExitCode::run, role + " plugin " + why + ", and the run saved no source to rebuild it from" +
                                   (present ? "; pass --force to load it anyway (a run folder is code: only for runs "
                                              "you trust)"
                                            : ""));
  }
  spdlog::warn("{} plugin {}; rebuilding it from the source saved in the run", role, why);
  const std::string source = plugin_sources_folder(run_dir, role) + "/" + record.source;
  if (!lies_inside(run_dir, source))
    throw Error(ExitCode::run, role + " plugin source " + source + " lies outside the run folder; it is not compiled");
  plugin.files = compile_and_describe(source, role, plugin.files.given);
  plugin.loaded = load_plugin(plugin.files.library, kind);
  plugin.rebuilt_because = why;
  return plugin;
}

}  // namespace forge
