#include "plugins/plugin_resolver.hpp"

#include "core/process.hpp"
#include "plugins/forge_layout.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>

#include <cstdlib>
#include <sstream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

}  // namespace

std::vector<std::string> plugin_search_path() {
  std::vector<std::string> dirs;
  auto add = [&](const fs::path& dir) {
    if (!fs::is_directory(dir)) return;
    std::string canonical = fs::canonical(dir).string();
    for (const auto& d : dirs)
      if (d == canonical) return;
    dirs.push_back(canonical);
  };
  const fs::path exe_dir = fs::path(own_executable()).parent_path();
  add(exe_dir / "plugins");                           // the build tree
  add(exe_dir / ".." / "lib" / "forge" / "plugins");  // an installed prefix
  add(forge_layout().plugin_dir);
  if (const char* extra = std::getenv("FORGE_PLUGIN_PATH")) {
    std::istringstream entries(extra);
    std::string entry;
    while (std::getline(entries, entry, ':'))
      if (!entry.empty()) add(entry);
  }
  return dirs;
}

bool is_plugin_source(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  return ext == ".cpp" || ext == ".cc" || ext == ".cxx";
}

std::string resolve_plugin(const std::string& name) {
  if (name.empty()) throw Error(ExitCode::usage, "empty plugin name");
  if (name.find('/') != std::string::npos || fs::exists(name)) {
    if (!fs::exists(name)) throw Error(ExitCode::plugin, "plugin file " + name + " does not exist");
    if (!fs::is_regular_file(name)) throw Error(ExitCode::plugin, "plugin " + name + " is not a file");
    return name;
  }
  std::vector<std::string> candidates{name};
  if (fs::path(name).extension().empty()) candidates = {name + ".so", name + ".cpp"};
  std::vector<std::string> dirs = plugin_search_path();
  for (const auto& dir : dirs)
    for (const auto& candidate : candidates)
      if (fs::is_regular_file(fs::path(dir) / candidate)) return (fs::path(dir) / candidate).string();
  throw Error(ExitCode::plugin, "plugin '" + name + "' not found: no such file, and not in " +
                                    (dirs.empty() ? "any plugin folder" : join(dirs, ", ")) +
                                    " (add folders to FORGE_PLUGIN_PATH)");
}

}  // namespace forge
