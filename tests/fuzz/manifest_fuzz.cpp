// The manifest reader on any bytes: a forge error or a manifest, never a crash; and what it
// reads, written back and read again, is the same.
#include "runs/manifest.hpp"

#include <forge/error.hpp>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const forge::json value = forge::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return 0;
  try {
    const forge::Manifest manifest = forge::manifest_from_json(value);
    const forge::json written = forge::to_json(manifest);
    if (forge::to_json(forge::manifest_from_json(written)) != written) std::abort();  // not a fixed point
    (void)forge::evaluated_step(manifest);
  } catch (const forge::Error&) {
  }
  return 0;
}
