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
  // The windowed decode (crop, skipped rows, DCT scaling) on the same file: a window and an output
  // size drawn from the input's first byte, anywhere in the image, the resample run over it.
  try {
    const int out = 1 + data[0] % 64;
    forge::images::DecodedWindow decoded = forge::images::decode_window(
        path, channels, limits,
        [&](int width, int height) {
          const double left = (data[0] % 7) * width / 8.0, top = (data[0] % 5) * height / 6.0;
          return forge::images::Window{left, top, std::max(1.0, (width - left) / 2), std::max(1.0, (height - top) / 2)};
        },
        out, out, data[0] % 3 == 0);
    if (decoded.pixels.size() != size_t(decoded.width) * size_t(decoded.height) * size_t(decoded.pixel_bytes) ||
        uint64_t(decoded.width) * uint64_t(decoded.height) > limits.max_pixels)
      std::abort();
    int rows = 0;
    forge::images::resample(decoded.rows(), decoded.window, decoded.readable, out, out, data[0] % 2 == 0,
                            [&](int y, const float* values) {
                              if (y != rows++ || !(values[0] >= 0 && values[0] <= 255)) std::abort();
                            });
    if (rows != out) std::abort();
  } catch (const std::runtime_error&) {
  }
  return 0;
}
