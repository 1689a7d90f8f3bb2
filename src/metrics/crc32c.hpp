// CRC-32C (Castagnoli), the checksum of TFRecord files, and TFRecord's masked form of it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace forge {

uint32_t crc32c(const void* data, size_t size);

// What TFRecord stores: the CRC rotated right by 15 bits plus a constant, so that a CRC of
// data that itself holds CRCs does not degenerate.
uint32_t masked_crc32c(const void* data, size_t size);

}  // namespace forge
