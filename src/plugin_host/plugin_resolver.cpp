#include "plugin_host/plugin_resolver.hpp"

#include "core/process.hpp"
#include "plugin_host/forge_layout.hpp"

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

namespace {

// The file `name` is in the search path, or "".
std::string search(const std::string& name, const std::vector<std::string>& dirs) {
  std::vector<std::string> candidates{name};
  if (fs::path(name).extension().empty()) candidates = {name + ".so", name + ".cpp"};
  for (const auto& dir : dirs)
    for (const auto& candidate : candidates)
      if (fs::is_regular_file(fs::path(dir) / candidate)) return (fs::path(dir) / candidate).string();
  return "";
}

std::string as_given(const std::string& path) {
  if (!fs::exists(path)) throw Error(ExitCode::plugin, "plugin file " + path + " does not exist");
  if (!fs::is_regular_file(path)) throw Error(ExitCode::plugin, "plugin " + path + " is not a file");
  return path;
}

}  // namespace

std::string resolve_plugin(const std::string& name) {
  if (name.empty()) throw Error(ExitCode::usage, "empty plugin name");
  if (name.find('/') != std::string::npos) return as_given(name);
  const std::vector<std::string> dirs = plugin_search_path();
  const std::string found = search(name, dirs);
  // A name without an extension is never a file here: `mnist` is the built-in even where a
  // folder or file of that name sits in the current directory.
  const bool local_file = !fs::path(name).extension().empty() && fs::is_regular_file(name);
  if (local_file && !found.empty())
    throw Error(ExitCode::usage, "plugin '" + name + "' is ambiguous: ./" + name + " here, and " + found + "; say ./" +
                                     name + " for the file here, or " + fs::path(name).stem().string() +
                                     " for the other");
  if (local_file) return name;
  if (!found.empty()) return found;
  throw Error(ExitCode::plugin,
              "plugin '" + name + "' not found: " +
                  (fs::exists(name) ? "./" + name + " here is taken only as ./" + name + ", and it is not in "
                                    : "no such file, and not in ") +
                  (dirs.empty() ? "any plugin folder" : join(dirs, ", ")) + " (add folders to FORGE_PLUGIN_PATH)");
}

}  // namespace forge
