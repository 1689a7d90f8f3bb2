#include "core/png.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <stdexcept>
#include <vector>

namespace forge {
namespace {

uint32_t u32(const std::string& bytes, size_t at) {
  return uint32_t(uint8_t(bytes[at])) << 24 | uint32_t(uint8_t(bytes[at + 1])) << 16 |
         uint32_t(uint8_t(bytes[at + 2])) << 8 | uint32_t(uint8_t(bytes[at + 3]));
}

}  // namespace

// A reader's view: the signature, chunks whose CRCs hold, a header with the size and colour
// type, and image data that inflates to each row's filter byte and its pixels.
TEST(Png, ChunksCheckOutAndTheDataInflatesToThePixels) {
  const int64_t width = 3, height = 2;
  std::vector<uint8_t> pixels(width * height * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t(i * 13);
  const std::string png = encode_png(pixels.data(), width, height, 3);
  ASSERT_EQ(png.compare(0, 8, "\x89PNG\r\n\x1a\n"), 0);
  std::vector<std::string> types;
  std::string idat, ihdr;
  for (size_t at = 8; at < png.size();) {
    const uint32_t length = u32(png, at);
    const std::string typed = png.substr(at + 4, 4 + length);
    EXPECT_EQ(u32(png, at + 8 + length),
              uint32_t(crc32(0, reinterpret_cast<const Bytef*>(typed.data()), typed.size())));
    types.push_back(typed.substr(0, 4));
    if (types.back() == "IHDR") ihdr = typed.substr(4);
    if (types.back() == "IDAT") idat = typed.substr(4);
    at += 12 + length;
  }
  EXPECT_EQ(types, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));
  ASSERT_EQ(ihdr.size(), 13u);
  EXPECT_EQ(u32(ihdr, 0), 3u);
  EXPECT_EQ(u32(ihdr, 4), 2u);
  EXPECT_EQ(ihdr[8], 8);  // bits
  EXPECT_EQ(ihdr[9], 2);  // RGB
  std::vector<uint8_t> raw(height * (1 + width * 3));
  uLongf raw_size = raw.size();
  ASSERT_EQ(uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()), Z_OK);
  ASSERT_EQ(raw_size, raw.size());
  for (int64_t y = 0; y < height; ++y) {
    EXPECT_EQ(raw[y * (1 + width * 3)], 0);
    for (int64_t x = 0; x < width * 3; ++x) EXPECT_EQ(raw[y * (1 + width * 3) + 1 + x], pixels[y * width * 3 + x]);
  }
}

TEST(Png, OtherChannelCountsAndEmptyImagesAreRefused) {
  uint8_t pixel[4] = {0, 0, 0, 0};
  EXPECT_NO_THROW(encode_png(pixel, 1, 1, 1));
  EXPECT_NO_THROW(encode_png(pixel, 1, 1, 4));
  EXPECT_THROW(encode_png(pixel, 1, 1, 2), std::invalid_argument);
  EXPECT_THROW(encode_png(pixel, 0, 1, 1), std::invalid_argument);
}

}  // namespace forge
