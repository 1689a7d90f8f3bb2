// The checkpoint file reader on any file (either format): its contents, or a forge error naming
// the file (not a checkpoint, truncated, corrupted, a malformed index), never a crash, a read
// past the end or an allocation the file's size does not justify.
#include "fuzz_support.hpp"
#include "runs/checkpoint_frame.hpp"

#include <forge/error.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = forge::fuzz::write_input("step-00000001.ckpt", data, size);
  try {
    (void)forge::read_checkpoint_meta(path);
  } catch (const forge::Error&) {
  }
  try {
    forge::CheckpointContents contents = forge::read_checkpoint_file(path);
    for (const auto& [name, tensor] : contents.tensors) {  // every tensor lies inside the file's data
      if (tensor.bytes == 0) continue;
      volatile char last = static_cast<const char*>(tensor.data)[tensor.bytes - 1];  // AddressSanitizer checks it
      (void)last;
    }
  } catch (const forge::Error&) {
  }
  return 0;
}
