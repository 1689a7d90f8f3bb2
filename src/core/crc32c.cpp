#include "core/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace forge {
namespace {

constexpr uint32_t polynomial = 0x82F63B78u;  // Castagnoli, reflected

// Slicing-by-8 tables: table[k][b] is the CRC of byte b followed by k zero bytes, so eight
// bytes are folded in per step instead of one.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

Tables make_tables() {
  Tables tables{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (polynomial & (0u - (crc & 1u)));
    tables[0][b] = crc;
  }
  for (uint32_t b = 0; b < 256; ++b)
    for (size_t k = 1; k < 8; ++k) tables[k][b] = (tables[k - 1][b] >> 8) ^ tables[0][tables[k - 1][b] & 0xFFu];
  return tables;
}

uint32_t extend_with_tables(uint32_t crc, const unsigned char* bytes, size_t size) {
  static const Tables t = make_tables();
  for (; size >= 8; bytes += 8, size -= 8) {
    uint64_t word;
    std::memcpy(&word, bytes, 8);  // little endian: the first byte is the lowest
    word ^= crc;
    crc = t[7][word & 0xFF] ^ t[6][(word >> 8) & 0xFF] ^ t[5][(word >> 16) & 0xFF] ^ t[4][(word >> 24) & 0xFF] ^
          t[3][(word >> 32) & 0xFF] ^ t[2][(word >> 40) & 0xFF] ^ t[1][(word >> 48) & 0xFF] ^ t[0][word >> 56];
  }
  for (; size > 0; ++bytes, --size) crc = t[0][(crc ^ *bytes) & 0xFFu] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
// The crc32 instruction computes this very CRC, eight bytes at a time.
__attribute__((target("sse4.2"))) uint32_t extend_with_instruction(uint32_t crc, const unsigned char* bytes,
                                                                   size_t size) {
  uint64_t state = crc;
  for (; size >= 8; bytes += 8, size -= 8) {
    uint64_t word;
    std::memcpy(&word, bytes, 8);
    state = _mm_crc32_u64(state, word);
  }
  auto crc32 = static_cast<uint32_t>(state);
  for (; size > 0; ++bytes, --size) crc32 = _mm_crc32_u8(crc32, *bytes);
  return crc32;
}

const bool has_crc_instruction = __builtin_cpu_supports("sse4.2");
#endif

}  // namespace

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  crc = ~crc;
#if defined(__x86_64__)
  if (has_crc_instruction) return ~extend_with_instruction(crc, bytes, size);
#endif
  return ~extend_with_tables(crc, bytes, size);
}

uint32_t crc32c(const void* data, size_t size) { return crc32c_extend(0, data, size); }

namespace detail {
uint32_t crc32c_with_tables(const void* data, size_t size) {
  return ~extend_with_tables(~0u, static_cast<const unsigned char*>(data), size);
}
}  // namespace detail

uint32_t masked_crc32c(const void* data, size_t size) {
  uint32_t crc = crc32c(data, size);
  return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
}

}  // namespace forge
