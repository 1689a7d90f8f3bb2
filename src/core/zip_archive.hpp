// The members of a zip archive whose members are stored uncompressed, as torch.save (and
// libtorch's archive writer) write them: read from the central directory, each member's data
// located through its local header and checked to lie inside the file. Zip64 archives (members
// or offsets past 4 GiB) are read too. Nothing is decompressed, so nothing can expand.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace forge {

struct ZipMember {
  std::string name;
  uint64_t offset = 0;  // of the member's first byte of data, in the file
  uint64_t size = 0;    // bytes
};

// The members of the archive open on `fd` (`file_size` bytes), named `path` in errors. Throws
// forge::Error (ExitCode::run) naming the file for a file that is not such an archive: no end
// record, a directory or header that lies outside the file, a compressed or encrypted member.
std::vector<ZipMember> read_zip_members(int fd, uint64_t file_size, const std::string& path);

// True when `fd`'s first bytes are a zip local header's signature.
bool starts_zip_archive(int fd);

}  // namespace forge
