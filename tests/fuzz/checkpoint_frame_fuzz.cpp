// The checkpoint frame reader on any file: the payload, or a forge error naming the file (a
// truncated or corrupted checkpoint), never a crash or a read past the end.
#include "fuzz_support.hpp"
#include "runs/checkpoint_frame.hpp"

#include <forge/error.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = forge::fuzz::write_input("step-00000001.ckpt", data, size);
  try {
    (void)forge::read_checkpoint_payload(path);
  } catch (const forge::Error&) {
  }
  return 0;
}
