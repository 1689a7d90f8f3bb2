#include "runs/snapshot.hpp"

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "runs/git_state.hpp"

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
  fs::copy_file(file, dir / relative, fs::copy_options::overwrite_existing);
  return relative.string();
}

}  // namespace

nlohmann::json snapshot_plugin(const std::string& run_dir, const PluginFiles& plugin) {
  fs::path dir = fs::path(run_dir) / "plugins" / plugin.role;
  fs::create_directories(dir);
  std::string name = fs::path(plugin.library).stem().string();
  fs::copy_file(plugin.library, dir / (name + ".so"), fs::copy_options::overwrite_existing);
  nlohmann::json record{{"name", name},
                        {"given", plugin.given},
                        {"library", "plugins/" + plugin.role + "/" + name + ".so"},
                        {"sha1", sha1_of_file(plugin.library)},
                        {"sources", nlohmann::json::array()}};
  if (plugin.source.empty()) return record;

  fs::path source = fs::canonical(plugin.source);
  fs::path base = source.parent_path();
  record["source"] = copy_keeping_layout(source, base, dir / "src");
  for (const auto& header : plugin.headers)
    record["sources"].push_back(copy_keeping_layout(fs::canonical(header), base, dir / "src"));
  record["source_origin"] = source.string();

  GitState git = git_state(base.string());
  if (git.in_repository) {
    record["git"] = {{"root", git.root}, {"commit", git.commit}, {"dirty", !git.diff.empty()}};
    if (!git.diff.empty()) write_file_atomically((dir / "git.diff").string(), git.diff);
  }
  return record;
}

}  // namespace forge
