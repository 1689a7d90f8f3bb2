// Editing a format-2 checkpoint file as a hostile writer would (runs/checkpoint_frame.hpp): the
// unit tests and the fuzz targets change a file's index or data and then make its checksums
// right again, so that only forge's own checks of the contents stand between it and the file.
#pragma once

#include "core/crc32c.hpp"

#include <cstdint>
#include <string>

namespace forge::testing {

inline uint64_t read_le64(const std::string& bytes, size_t at) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= uint64_t(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return value;
}

inline void write_le(std::string& bytes, size_t at, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) bytes[at + i] = char((value >> (8 * i)) & 0xff);
}

// Rewrites the header's three checksums to match the file, where its header's lengths fit the
// file's size; returns whether it did.
inline bool make_checksums_right(std::string& file) {
  if (file.size() < 64 || file.compare(0, 11, "FORGECKPT2\n") != 0) return false;
  const uint64_t index = read_le64(file, 16), data = read_le64(file, 24);
  if (index > file.size() || data > file.size()) return false;
  const uint64_t data_start = (64 + index + 63) / 64 * 64;
  if (data_start > file.size() || file.size() - data_start != data) return false;
  write_le(file, 32, crc32c(file.data() + 64, index), 4);
  write_le(file, 36, crc32c(file.data() + data_start, data), 4);
  write_le(file, 40, crc32c(file.data(), 40), 4);
  return true;
}

}  // namespace forge::testing
