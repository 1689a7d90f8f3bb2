// The precompiled <torch/torch.h> that plugin compiles use (-include): ~5 s instead of ~15 s for
// a plugin here. The build tree has one that CMake built. An installed forge builds its own once
// per user, in the plugin cache, the first time a plugin that includes torch is compiled: a
// precompiled header records the absolute paths it was built from, so one built in the build
// tree cannot be installed elsewhere.
#pragma once

#include <string>

namespace forge {

// The header to -include for the precompiled torch header, or "" when there is none. With
// `build_if_missing`, an installed forge builds it first (~40 s, said on the log); if that
// fails it warns and returns "" (plugins then compile without it).
std::string torch_pch_header(bool build_if_missing);

}  // namespace forge
