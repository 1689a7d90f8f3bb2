#include "core/confined_file.hpp"

#include "core/atomic_file.hpp"

#include <forge/error.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

namespace forge {
namespace {

// Closes a descriptor when it goes.
struct Descriptor {
  int fd = -1;
  explicit Descriptor(int fd) : fd(fd) {}
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
};

std::vector<std::string> parts_of(const std::string& relative) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= relative.size()) {
    const size_t end = std::min(relative.find('/', start), relative.size());
    parts.push_back(relative.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string reason(int error, bool last) {
  if (error == ELOOP && last) return "a link";
  // O_DIRECTORY | O_NOFOLLOW on a link says ENOTDIR or ELOOP, as the kernel will.
  return error == ELOOP || error == ENOTDIR ? "a link or not a folder on the way" : std::strerror(error);
}

// Opens `relative` below `root` step by step, refusing links; the last step with `last_flags`.
// Returns the descriptor, or -1 with `why` set.
int open_below(const std::string& root, const std::string& relative, int last_flags, std::string& why) {
  const std::vector<std::string> parts = parts_of(relative);
  for (const std::string& part : parts)
    if (part.empty() || part == "." || part == "..") {
      why = "not a plain path below the run folder";
      return -1;
    }
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    why = reason(errno, false);
    return -1;
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    const int next =
        ::openat(fd, parts[i].c_str(), (last ? last_flags : O_RDONLY | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
    const int error = errno;
    ::close(fd);
    if (next < 0) {
      why = reason(error, last);
      return -1;
    }
    fd = next;
  }
  return fd;
}

}  // namespace

ConfinedRead read_confined_file(const std::string& root, const std::string& relative, uint64_t max_bytes) {
  ConfinedRead read;
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
  Descriptor file(open_below(root, relative, O_RDONLY | O_NONBLOCK, read.why));
  if (file.fd < 0) return read;
  struct stat info {};
  if (::fstat(file.fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    read.why = "not a regular file";
    return read;
  }
  if (uint64_t(info.st_size) > max_bytes) {
    read.why = "larger than " + std::to_string(max_bytes >> 20) + " MiB";
    return read;
  }
  read.bytes.resize(size_t(info.st_size));
  try {
    read_exactly(file.fd, 0, read.bytes.data(), read.bytes.size(), relative);
  } catch (const Error& e) {  // it shrank while read, or the disk failed
    read.why = e.what();
    read.bytes.clear();
    return read;
  }
  read.ok = true;
  return read;
}

std::vector<ConfinedEntry> list_confined_folder(const std::string& root, const std::string& relative) {
  std::string why;
  const int fd = relative.empty() ? ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                                  : open_below(root, relative, O_RDONLY | O_DIRECTORY, why);
  if (fd < 0) return {};
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    ::close(fd);
    return {};
  }
  std::vector<ConfinedEntry> entries;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat info {};
    if (::fstatat(::dirfd(dir), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
    using Kind = ConfinedEntry::Kind;
    entries.push_back({name, S_ISDIR(info.st_mode)   ? Kind::folder
                             : S_ISREG(info.st_mode) ? Kind::file
                             : S_ISLNK(info.st_mode) ? Kind::link
                                                     : Kind::other});
  }
  ::closedir(dir);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return entries;
}

}  // namespace forge
