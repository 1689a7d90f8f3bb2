#include "core/png.hpp"

#include <zlib.h>

#include <stdexcept>
#include <vector>

namespace forge {
namespace {

void put_u32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += char((value >> shift) & 0xff);
}

// A chunk: its length, type and data, and the CRC-32 of type and data.
void put_chunk(std::string& out, const char* type, const std::string& data) {
  put_u32(out, uint32_t(data.size()));
  const std::string typed = std::string(type, 4) + data;
  out += typed;
  put_u32(out, uint32_t(crc32(0, reinterpret_cast<const Bytef*>(typed.data()), uInt(typed.size()))));
}

}  // namespace

std::string encode_png(const uint8_t* pixels, int64_t width, int64_t height, int channels) {
  if (width < 1 || height < 1 || width > (1 << 24) || height > (1 << 24))
    throw std::invalid_argument("an image must be 1 to 16777216 pixels wide and high");
  const int color_type = channels == 1 ? 0 : channels == 3 ? 2 : channels == 4 ? 6 : -1;
  if (color_type < 0) throw std::invalid_argument("an image has 1, 3 or 4 channels");
  // Every row starts with its filter type: 0, none.
  const size_t row = size_t(width) * size_t(channels);
  std::vector<uint8_t> raw;
  raw.reserve((row + 1) * size_t(height));
  for (int64_t y = 0; y < height; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), pixels + size_t(y) * row, pixels + size_t(y + 1) * row);
  }
  uLongf packed_size = compressBound(uLong(raw.size()));
  std::string packed(packed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size, raw.data(), uLong(raw.size()), 6) != Z_OK)
    throw std::runtime_error("zlib could not compress an image");
  packed.resize(packed_size);

  std::string header;
  put_u32(header, uint32_t(width));
  put_u32(header, uint32_t(height));
  header += char(8);  // bits per channel
  header += char(color_type);
  header += std::string(3, '\0');  // deflate, adaptive filtering, no interlace
  std::string out = "\x89PNG\r\n\x1a\n";
  put_chunk(out, "IHDR", header);
  put_chunk(out, "IDAT", packed);
  put_chunk(out, "IEND", "");
  return out;
}

}  // namespace forge
