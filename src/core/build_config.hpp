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
  std::string forge_include_dir;          // the source tree's include/ (installed: see forge_layout)
  std::vector<std::string> include_dirs;  // libtorch's
  std::vector<std::string> link_libraries;
  std::string forge_version;
  std::string libtorch_version;
  std::string cuda_version;              // that libtorch's CUDA; "" when it is CPU-only
  std::string build_plugin_dir;          // the built-in plugins of the build tree
  std::string plugin_pch;                // the build tree's header that includes <torch/torch.h>, passed to -include
  std::string pch_extension;             // of its precompiled form beside it: .pch (Clang), .gch (GCC)
  std::vector<std::string> pch_options;  // what precompiling it takes beyond compile_flags
};

const BuildConfig& build_config();

// "libtorch 2.15.0 with CUDA 13.0" or "libtorch 1.13.0, CPU only": what --version and
// `forge show` say.
std::string libtorch_text(const std::string& libtorch_version, const std::string& cuda_version);

}  // namespace forge
