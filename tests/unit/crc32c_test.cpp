#include "core/crc32c.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace forge {
namespace {

// One bit at a time, straight from the definition: what both fast paths must equal.
uint32_t crc32c_bitwise(const unsigned char* bytes, size_t size) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) {
    crc ^= bytes[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

TEST(Crc32c, MatchesPublishedCheckValues) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);  // the CRC catalogue's check value
  unsigned char zeros[32] = {}, ones[32];
  std::memset(ones, 0xFF, sizeof ones);
  EXPECT_EQ(crc32c(zeros, 32), 0x8A9136AAu);  // RFC 3720 (iSCSI), B.4
  EXPECT_EQ(crc32c(ones, 32), 0x62A8AB43u);
  EXPECT_EQ(detail::crc32c_with_tables("123456789", 9), 0xE3069283u);
  uint32_t crc = crc32c("123456789", 9);
  EXPECT_EQ(masked_crc32c("123456789", 9), ((crc >> 15) | (crc << 17)) + 0xA282EAD8u);
}

TEST(Crc32c, EveryPathAgreesAtEverySizeAndAlignment) {
  std::mt19937 random(7);
  std::vector<unsigned char> bytes(300);
  for (auto& b : bytes) b = static_cast<unsigned char>(random());
  for (size_t offset = 0; offset < 9; ++offset)
    for (size_t size = 0; size + offset <= bytes.size(); size += 7) {
      const unsigned char* at = bytes.data() + offset;
      uint32_t expected = crc32c_bitwise(at, size);
      ASSERT_EQ(crc32c(at, size), expected) << "offset " << offset << " size " << size;
      ASSERT_EQ(detail::crc32c_with_tables(at, size), expected) << "offset " << offset << " size " << size;
    }
}

TEST(Crc32c, ExtendingPieceByPieceEqualsTheWhole) {
  std::vector<unsigned char> bytes(1000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 31 + 7);
  const uint32_t whole = crc32c(bytes.data(), bytes.size());
  for (size_t cut : {size_t(0), size_t(1), size_t(13), size_t(512), size_t(999), size_t(1000)}) {
    uint32_t crc = crc32c(bytes.data(), cut);
    EXPECT_EQ(crc32c_extend(crc, bytes.data() + cut, bytes.size() - cut), whole) << "cut at " << cut;
  }
  EXPECT_EQ(crc32c_extend(0, bytes.data(), bytes.size()), whole);
}

}  // namespace
}  // namespace forge
