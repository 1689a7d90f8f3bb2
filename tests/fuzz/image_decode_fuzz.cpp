// The images plugin's decoders (forge/image_decode.hpp: libpng and libjpeg-turbo behind its
// checks) on any file, as grey and as RGB: an image of the size its header claimed within the
// limits, or an error, never a crash, a leak of decoder state, or an allocation past the limits.
// The first byte chooses the channels asked for.
#include "fuzz_support.hpp"

#include <forge/image_decode.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int channels = data[0] % 2 ? 3 : 1;
  const std::string path = forge::fuzz::write_input("image", data + 1, size - 1);
  forge::images::DecodeLimits limits;
  limits.max_file_bytes = uint64_t(1) << 20;
  limits.max_pixels = uint64_t(1) << 22;
  try {
    (void)forge::images::channels_of(path, limits);
  } catch (const std::runtime_error&) {
  }
  try {
    forge::images::Image image = forge::images::decode_image(path, channels, limits);
    if (uint64_t(image.width) * uint64_t(image.height) > limits.max_pixels || image.channels != channels ||
        image.pixels.size() != size_t(image.width) * size_t(image.height) * size_t(channels))
      std::abort();
  } catch (const std::runtime_error&) {
  }
  return 0;
}
