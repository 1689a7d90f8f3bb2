// CRC-32C (Castagnoli): the checksum of forge's checkpoints and of TensorBoard's event files.
// Computed with the CPU's crc32 instruction where it has one (SSE 4.2), else with tables; both
// give the same value.
#pragma once

#include <cstddef>
#include <cstdint>

namespace forge {

uint32_t crc32c(const void* data, size_t size);

// The CRC of the data that follows `crc`'s data: crc32c(a + b) == crc32c_extend(crc32c(a), b).
// Lets a writer checksum what it writes piece by piece.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size);

// What TFRecord stores: the CRC rotated right by 15 bits plus a constant, so that a CRC of
// data that itself holds CRCs does not degenerate.
uint32_t masked_crc32c(const void* data, size_t size);

namespace detail {
// The table-driven path alone, whatever the CPU: tests hold it to the instruction's result.
uint32_t crc32c_with_tables(const void* data, size_t size);
}  // namespace detail

}  // namespace forge
