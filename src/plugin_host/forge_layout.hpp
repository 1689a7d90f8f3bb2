// Where forge's own files are: in the build tree (build/forge, build/plugins/, the source's
// include/, the precompiled header CMake built) or under an installed prefix (bin/forge,
// lib/libforge.so, lib/forge/forge-engine, lib/forge/plugins/, include/forge/). The same
// binaries serve both, so the answer is found at run time from where forge's code was loaded.
#pragma once

#include <string>

namespace forge {

struct ForgeLayout {
  bool installed = false;
  std::string prefix;       // installed only
  std::string include_dir;  // holds forge/plugin.hpp, for plugins forge compiles
  std::string plugin_dir;   // the built-in plugins
  std::string plugin_pch;   // build tree only: CMake's precompiled <torch/torch.h> (its header)
};

// The layout around `module`, the file forge's code was loaded from (bin/forge, lib/libforge.so,
// lib/forge/forge-engine, or an executable in the build tree): a prefix when <module's
// folder>/.. or <module's folder>/../.. holds include/forge/plugin.hpp and lib/forge/plugins/;
// the build tree's paths (build_config) otherwise.
ForgeLayout layout_around(const std::string& module);

// The layout of this process's forge: around libforge.so when forge's code lives there, around
// the executable otherwise.
const ForgeLayout& forge_layout();

}  // namespace forge
