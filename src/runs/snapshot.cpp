#include "runs/snapshot.hpp"

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "runs/git_state.hpp"
#include "runs/run_files.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

// Copies `file` (below `root`) to `dir`, at its path relative to `root`: every #include
// between the source and its headers, "../common/util.hpp" too, finds its file in the copy.
std::string copy_keeping_layout(const fs::path& file, const fs::path& root, const fs::path& dir) {
  const fs::path relative = file.lexically_relative(root);
  fs::create_directories((dir / relative).parent_path());
  copy_file_atomically(file.string(), (dir / relative).string());
  return relative.string();
}

// The folder the snapshot keeps the layout below: the deepest one holding the source and
// every header. Throws Error(ExitCode::plugin) when that is the filesystem's root (an include
// that climbs out of any source tree).
fs::path source_tree_root(const fs::path& source, const std::vector<fs::path>& headers) {
  fs::path root = source.parent_path();
  for (const auto& header : headers)
    while (header.lexically_relative(root).empty() || *header.lexically_relative(root).begin() == "..")
      root = root.parent_path();
  if (root == root.root_path())
    throw Error(ExitCode::plugin, "plugin source " + source.string() + " includes headers from all over the " +
                                      "filesystem (its source and headers share no folder but /); keep its local " +
                                      "headers in one source tree");
  return root;
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
  std::vector<fs::path> headers;
  for (const auto& header : plugin.headers) headers.push_back(fs::canonical(header));
  const fs::path root = source_tree_root(source, headers);
  const fs::path sources = plugin_sources_folder(run_dir, plugin.role);
  record.source = copy_keeping_layout(source, root, sources);
  for (const auto& header : headers) record.sources.push_back(copy_keeping_layout(header, root, sources));
  record.source_origin = source.string();

  GitState git = git_state(source.parent_path().string());
  if (git.in_repository) {
    record.git = GitRecord{git.root, git.commit, !git.diff.empty()};
    if (!git.diff.empty()) write_file_atomically(git_diff_file(run_dir, plugin.role), git.diff);
  }
  return record;
}

}  // namespace forge
