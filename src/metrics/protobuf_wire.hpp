// Protobuf's wire format, the little of it that TensorBoard's event files need: a field is a
// varint key (number << 3 | wire type) and its payload. Messages are written by hand, field by
// field, as their .proto files number them; no protobuf library is needed.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace forge::protobuf {

enum WireType : uint32_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

inline void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(char(value | 0x80));
    value >>= 7;
  }
  out.push_back(char(value));
}

inline void put_key(std::string& out, uint32_t field, WireType type) { put_varint(out, (uint64_t(field) << 3) | type); }

template <class T>
void put_little_endian(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // x86 and ARM Linux are little-endian, as the format
  out.append(bytes, sizeof(T));
}

// A string, bytes or an embedded message.
inline void put_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  put_key(out, field, length_delimited);
  put_varint(out, bytes.size());
  out += bytes;
}

inline void put_double(std::string& out, uint32_t field, double value) {
  put_key(out, field, fixed64);
  put_little_endian(out, value);
}

inline void put_varint_field(std::string& out, uint32_t field, uint64_t value) {
  put_key(out, field, varint);
  put_varint(out, value);
}

}  // namespace forge::protobuf
