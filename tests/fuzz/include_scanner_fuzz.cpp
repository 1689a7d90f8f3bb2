// The plugin source include scanner on any source text: the local headers it finds, never a
// crash (includes of missing files, of folders, of the file itself, nested quotes...).
#include "fuzz_support.hpp"
#include "plugin_host/local_headers.hpp"

#include <forge/error.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool headers = [] {
    const uint8_t header[] = "#include \"net.cpp\"\n#pragma once\n";
    forge::fuzz::write_input("src/a.hpp", header, sizeof header - 1);
    forge::fuzz::write_input("src/sub/b.hpp", header, 0);
    return true;
  }();
  (void)headers;
  const std::string source = forge::fuzz::write_input("src/net.cpp", data, size);
  try {
    (void)forge::local_headers(source);
  } catch (const forge::Error&) {
  }
  return 0;
}
