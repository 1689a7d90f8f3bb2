#include "plugin_host/forge_layout.hpp"

#include "core/build_config.hpp"
#include "core/process.hpp"

#include <dlfcn.h>
#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

bool is_prefix(const fs::path& dir) {
  boost::system::error_code error;
  return fs::is_regular_file(dir / "include" / "forge" / "plugin.hpp", error) &&
         fs::is_directory(dir / "lib" / "forge" / "plugins", error);
}

std::string module_of_this_code() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&layout_around), &info) && info.dli_fname &&
      fs::path(info.dli_fname).filename().string().rfind("libforge.so", 0) == 0)
    return info.dli_fname;
  return own_executable();
}

}  // namespace

ForgeLayout layout_around(const std::string& module) {
  if (!module.empty()) {
    boost::system::error_code error;
    fs::path dir = fs::canonical(fs::path(module), error).parent_path();
    // bin/forge and lib/libforge.so are one level below the prefix, lib/forge/forge-engine two.
    for (const fs::path& candidate : {dir.parent_path(), dir.parent_path().parent_path()})
      if (!error && !candidate.empty() && is_prefix(candidate))
        return {true, candidate.string(), (candidate / "include").string(),
                (candidate / "lib" / "forge" / "plugins").string(), ""};
  }
  const BuildConfig& config = build_config();
  return {false, "", config.forge_include_dir, config.build_plugin_dir, config.plugin_pch};
}

const ForgeLayout& forge_layout() {
  static const ForgeLayout layout = layout_around(module_of_this_code());
  return layout;
}

}  // namespace forge
