#include "runs/checkpoint_frame.hpp"

#include "core/atomic_file.hpp"

#include <forge/error.hpp>

#include <boost/crc.hpp>
#include <boost/filesystem.hpp>

#include <cstdint>

namespace fs = boost::filesystem;

namespace forge {
namespace {

const std::string magic = "FORGECKPT1\n";
constexpr size_t header_size = 11 + 8 + 4;

uint32_t crc32(const char* bytes, size_t size) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes, size);
  return crc.checksum();
}

void put_le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t get_le(const std::string& in, size_t at, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint64_t(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return value;
}

}  // namespace

void write_checkpoint_file(const std::string& path, const std::string& payload) {
  std::string file = magic;
  put_le(file, payload.size(), 8);
  put_le(file, crc32(payload.data(), payload.size()), 4);
  file += payload;
  fs::create_directories(fs::path(path).parent_path());
  write_file_atomically(path, file);
}

std::string read_checkpoint_payload(const std::string& path) {
  if (!fs::is_regular_file(path)) throw Error(ExitCode::run, "checkpoint " + path + " does not exist");
  std::string file = read_file(path);
  if (file.size() < header_size || file.compare(0, magic.size(), magic) != 0)
    throw Error(ExitCode::run, "checkpoint " + path + " is not a forge checkpoint or is truncated");
  uint64_t length = get_le(file, magic.size(), 8);
  uint32_t expected_crc = static_cast<uint32_t>(get_le(file, magic.size() + 8, 4));
  if (length != file.size() - header_size)
    throw Error(ExitCode::run, "checkpoint " + path + " is truncated (" + std::to_string(file.size()) +
                                   " bytes, expected " + std::to_string(header_size + length) + ")");
  if (crc32(file.data() + header_size, length) != expected_crc)
    throw Error(ExitCode::run, "checkpoint " + path + " is corrupted (checksum mismatch)");
  return file.substr(header_size);
}

void verify_checkpoint(const std::string& path) { read_checkpoint_payload(path); }

}  // namespace forge
