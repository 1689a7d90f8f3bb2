#include "runs/snapshot.hpp"

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "runs/git_state.hpp"
#include "runs/run_files.hpp"

#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

// Copies `file` to `dir`, keeping its path relative to `base` when it lies below it (so a
// header in a subfolder stays at the right place for the source's #include), else its name.
std::string copy_keeping_layout(const fs::path& file, const fs::path& base, const fs::path& dir) {
  fs::path relative = fs::relative(file, base);
  if (relative.empty() || *relative.begin() == "..") relative = file.filename();
  fs::create_directories((dir / relative).parent_path());
  copy_file_atomically(file.string(), (dir / relative).string());
  return relative.string();
}

}  // namespace

nlohmann::json snapshot_plugin(const std::string& run_dir, const PluginFiles& plugin) {
  fs::path dir = plugin_folder(run_dir, plugin.role);
  fs::create_directories(dir);
  std::string name = fs::path(plugin.library).stem().string();
  copy_file_atomically(plugin.library, run_dir + "/" + plugin_library_in_run(plugin.role, name));
  nlohmann::json record{{"name", name},
                        {"given", plugin.given},
                        {"library", plugin_library_in_run(plugin.role, name)},
                        {"sha1", sha1_of_file(plugin.library)},
                        {"sources", nlohmann::json::array()}};
  if (plugin.source.empty()) return record;

  fs::path source = fs::canonical(plugin.source);
  fs::path base = source.parent_path();
  record["source"] = copy_keeping_layout(source, base, plugin_sources_folder(run_dir, plugin.role));
  for (const auto& header : plugin.headers)
    record["sources"].push_back(copy_keeping_layout(fs::canonical(header), base, plugin_sources_folder(run_dir, plugin.role)));
  record["source_origin"] = source.string();

  GitState git = git_state(base.string());
  if (git.in_repository) {
    record["git"] = {{"root", git.root}, {"commit", git.commit}, {"dirty", !git.diff.empty()}};
    if (!git.diff.empty()) write_file_atomically(git_diff_file(run_dir, plugin.role), git.diff);
  }
  return record;
}

}  // namespace forge
