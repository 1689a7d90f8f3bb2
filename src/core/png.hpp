// PNG files from 8-bit pixels (zlib-compressed, no filters): the images a model draws at each
// epoch's end (a GAN's samples) and that `forge report` shows.
#pragma once

#include <cstdint>
#include <string>

namespace forge {

// The bytes of a PNG of `width` x `height` pixels of 1 (grey), 3 (RGB) or 4 (RGBA) channels,
// `pixels` row by row, channels interleaved. Throws std::invalid_argument for other shapes.
std::string encode_png(const uint8_t* pixels, int64_t width, int64_t height, int channels);

}  // namespace forge
