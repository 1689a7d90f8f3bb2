// The mnist plugin's idx reader on any file, plain or gzipped: a tensor of the size the header
// claims, or an error naming the file (a lying header, a truncated file, more than the size
// cap once decompressed), never a crash, an overflow or an allocation the cap does not allow.
// The first byte chooses the dimensions asked for (1: labels, 3: images).
#include "fuzz_support.hpp"

#include "../../plugins/mnist.cpp"  // the reader lives in the plugin's own file

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int dims = data[0] % 2 ? 3 : 1;
  const std::string path = forge::fuzz::write_input("data-idx-ubyte", data + 1, size - 1);
  constexpr int64_t max_bytes = int64_t(16) << 20;
  try {
    torch::Tensor read = read_idx(path, dims, max_bytes);
    if (read.dim() != dims || read.numel() > max_bytes) std::abort();
  } catch (const std::runtime_error&) {
  }
  return 0;
}
