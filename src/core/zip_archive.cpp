#include "core/zip_archive.hpp"

#include "core/atomic_file.hpp"

#include <forge/error.hpp>

#include <unistd.h>

namespace forge {
namespace {

constexpr uint32_t local_header_signature = 0x04034b50, central_header_signature = 0x02014b50,
                   end_signature = 0x06054b50, zip64_locator_signature = 0x07064b50, zip64_end_signature = 0x06064b50;
constexpr size_t end_record_size = 22, zip64_locator_size = 20, zip64_end_size = 56, central_header_size = 46,
                 local_header_size = 30, longest_comment = 0xFFFF;

uint64_t little_endian(const unsigned char* bytes, int count) {
  uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

[[noreturn]] void not_an_archive(const std::string& path, const std::string& why) {
  throw Error(ExitCode::run, path + " is not a readable zip archive: " + why);
}

struct Directory {
  uint64_t entries = 0, offset = 0, size = 0;
};

// The central directory's place, from the end record (and the zip64 end record it points to).
Directory find_directory(int fd, uint64_t file_size, const std::string& path) {
  if (file_size < end_record_size) not_an_archive(path, "shorter than a zip end record");
  const uint64_t tail_size = std::min<uint64_t>(file_size, end_record_size + longest_comment);
  std::vector<unsigned char> tail(tail_size);
  read_exactly(fd, file_size - tail_size, tail.data(), tail.size(), path);
  size_t at = tail_size - end_record_size + 1;
  do {
    --at;
  } while (at > 0 && little_endian(&tail[at], 4) != end_signature);
  if (little_endian(&tail[at], 4) != end_signature) not_an_archive(path, "no end record");
  const unsigned char* end = &tail[at];
  Directory directory{little_endian(end + 10, 2), little_endian(end + 16, 4), little_endian(end + 12, 4)};
  if (directory.entries == 0xFFFF || directory.offset == 0xFFFFFFFF || directory.size == 0xFFFFFFFF) {
    const uint64_t end_at = file_size - tail_size + at;
    if (end_at < zip64_locator_size) not_an_archive(path, "a zip64 archive without its locator");
    unsigned char locator[zip64_locator_size];
    read_exactly(fd, end_at - zip64_locator_size, locator, sizeof locator, path);
    if (little_endian(locator, 4) != zip64_locator_signature)
      not_an_archive(path, "a zip64 archive without its locator");
    const uint64_t record_at = little_endian(locator + 8, 8);
    if (record_at > file_size || file_size - record_at < zip64_end_size)
      not_an_archive(path, "its zip64 end record lies outside the file");
    unsigned char record[zip64_end_size];
    read_exactly(fd, record_at, record, sizeof record, path);
    if (little_endian(record, 4) != zip64_end_signature) not_an_archive(path, "no zip64 end record where it points");
    directory = {little_endian(record + 32, 8), little_endian(record + 48, 8), little_endian(record + 40, 8)};
  }
  if (directory.offset > file_size || directory.size > file_size - directory.offset)
    not_an_archive(path, "its central directory lies outside the file");
  if (directory.entries > directory.size / central_header_size)
    not_an_archive(path, "its central directory is too small for the members it counts");
  return directory;
}

// Sizes and offset that do not fit 32 bits are 0xFFFFFFFF in the header and follow in order in
// the zip64 extra field (id 1).
void apply_zip64_extra(const unsigned char* extra, size_t extra_size, uint64_t& size, uint64_t& compressed,
                       uint64_t& local_offset, const std::string& path) {
  uint64_t* wanted[] = {&size, &compressed, &local_offset};
  for (size_t at = 0; at + 4 <= extra_size;) {
    const uint64_t id = little_endian(extra + at, 2), length = little_endian(extra + at + 2, 2);
    if (length > extra_size - at - 4) not_an_archive(path, "a member's extra field runs past its header");
    if (id == 1) {
      size_t field = at + 4;
      for (uint64_t* value : wanted) {
        if (*value != 0xFFFFFFFF) continue;
        if (field + 8 > at + 4 + length) not_an_archive(path, "a zip64 member without its sizes");
        *value = little_endian(extra + field, 8);
        field += 8;
      }
      return;
    }
    at += 4 + length;
  }
}

}  // namespace

bool starts_zip_archive(int fd) {
  unsigned char head[4];
  return ::pread(fd, head, sizeof head, 0) == ssize_t(sizeof head) && little_endian(head, 4) == local_header_signature;
}

std::vector<ZipMember> read_zip_members(int fd, uint64_t file_size, const std::string& path) {
  const Directory directory = find_directory(fd, file_size, path);
  std::vector<unsigned char> headers(directory.size);
  read_exactly(fd, directory.offset, headers.data(), headers.size(), path);
  std::vector<ZipMember> members;
  size_t at = 0;
  for (uint64_t n = 0; n < directory.entries; ++n) {
    if (headers.size() - at < central_header_size || little_endian(&headers[at], 4) != central_header_signature)
      not_an_archive(path, "a damaged central directory");
    const unsigned char* header = &headers[at];
    const uint64_t flags = little_endian(header + 8, 2), method = little_endian(header + 10, 2);
    uint64_t compressed = little_endian(header + 20, 4), size = little_endian(header + 24, 4);
    uint64_t local_offset = little_endian(header + 42, 4);
    const size_t name_size = little_endian(header + 28, 2), extra_size = little_endian(header + 30, 2),
                 comment_size = little_endian(header + 32, 2);
    if (headers.size() - at - central_header_size < name_size + extra_size + comment_size)
      not_an_archive(path, "a member's header runs past the central directory");
    std::string name(reinterpret_cast<const char*>(header + central_header_size), name_size);
    apply_zip64_extra(header + central_header_size + name_size, extra_size, size, compressed, local_offset, path);
    if (flags & 1) not_an_archive(path, "member " + name + " is encrypted");
    if (method != 0 || compressed != size)
      not_an_archive(path, "member " + name + " is compressed (torch.save stores its members as they are)");
    if (local_offset > file_size || file_size - local_offset < local_header_size)
      not_an_archive(path, "member " + name + "'s header lies outside the file");
    unsigned char local[local_header_size];
    read_exactly(fd, local_offset, local, sizeof local, path);
    if (little_endian(local, 4) != local_header_signature) not_an_archive(path, "member " + name + " has no header");
    const uint64_t data_at =
        local_offset + local_header_size + little_endian(local + 26, 2) + little_endian(local + 28, 2);
    if (data_at > file_size || size > file_size - data_at)
      not_an_archive(path, "member " + name + " runs past the end of the file");
    members.push_back({std::move(name), data_at, size});
    at += central_header_size + name_size + extra_size + comment_size;
  }
  return members;
}

}  // namespace forge
