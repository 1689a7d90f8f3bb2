// Turns a plugin source into a shared library with the compiler, flags and headers forge was
// built with, cached by content: a second request for unchanged sources does not compile.
#pragma once

#include "core/build_config.hpp"

#include <string>
#include <vector>

namespace forge {

struct CompiledPlugin {
  std::string library;               // the cached .so
  std::string cache_key;             // 40 hex digits
  bool from_cache = false;           // true when nothing was compiled
  std::vector<std::string> headers;  // local headers that went into the key
};

// The cache key: a hash of the source, its local headers, the compile command, forge's, libtorch's
// and CUDA's versions, the plugin ABI version and the content of forge's public headers
// (include/forge/). `config` is forge's own build but in tests.
std::string plugin_cache_key(const std::string& source, const std::vector<std::string>& headers,
                             const BuildConfig& config = build_config());

// Compiles `source` into <cache>/plugins/<key>/<stem>.so (plugins/plugin_cache.hpp) unless it
// is there already and matches its recorded SHA-1. The
// library appears atomically (built under a temporary name, then renamed), so a library
// that a running process has loaded is never overwritten in place.
// Throws Error(ExitCode::compile) with the compiler's first error as a one-line summary,
// after printing the compiler's full output to stderr.
CompiledPlugin compile_plugin(const std::string& source);

// The flags of forge's own build that plugin compiles use (language, optimisation, libtorch's
// definitions; "-shared" only when `link_library`), and "-I" for libtorch's include folders.
std::vector<std::string> build_flags(bool link_library);
std::vector<std::string> torch_include_flags();

// The compiler command line used for `source` → `output` (for logs and tests); with
// `use_pch`, the precompiled torch header when it exists and the source includes torch.
std::vector<std::string> compile_command(const std::string& source, const std::string& output, bool use_pch = true);

}  // namespace forge
