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

PluginRecord snapshot_plugin(const std::string& run_dir, const PluginFiles& plugin) {
  fs::create_directories(plugin_folder(run_dir, plugin.role));
  PluginRecord record;
  record.name = fs::path(plugin.library).stem().string();
  record.given = plugin.given;
  record.library = plugin_library_in_run(plugin.role, record.name);
  copy_file_atomically(plugin.library, run_dir + "/" + record.library);
  record.sha1 = sha1_of_file(plugin.library);
  if (plugin.source.empty()) return record;

  const fs::path source = fs::canonical(plugin.source);
  const fs::path base = source.parent_path();
  const fs::path sources = plugin_sources_folder(run_dir, plugin.role);
  record.source = copy_keeping_layout(source, base, sources);
  for (const auto& header : plugin.headers)
    record.sources.push_back(copy_keeping_layout(fs::canonical(header), base, sources));
  record.source_origin = source.string();

  GitState git = git_state(base.string());
  if (git.in_repository) {
    record.git = GitRecord{git.root, git.commit, !git.diff.empty()};
    if (!git.diff.empty()) write_file_atomically(git_diff_file(run_dir, plugin.role), git.diff);
  }
  return record;
}

}  // namespace forge
