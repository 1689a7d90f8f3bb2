// How forge was built (generated at configure time from cmake/build_config.cpp.in).
// Plugins compiled at run time must match it: same compiler, ABI flags, headers, libtorch.
#pragma once

#include <string>
#include <vector>

namespace forge {

struct BuildConfig {
  std::string compiler;
  std::string compiler_version;
  std::vector<std::string> compile_flags;
  std::vector<std::string> include_dirs;
  std::vector<std::string> link_libraries;
  std::string forge_version;
  std::string libtorch_version;
  std::string build_plugin_dir;  // the built-in plugins of the build tree
  std::string plugin_pch;         // header that includes <torch/torch.h>, passed to -include
  std::string plugin_pch_binary;  // its precompiled form (.pch for Clang, .gch for GCC)
};

const BuildConfig& build_config();

}  // namespace forge
