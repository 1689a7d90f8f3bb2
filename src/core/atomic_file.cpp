#include "core/atomic_file.hpp"

#include "core/decimal.hpp"

#include <forge/error.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

namespace forge {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw Error(ExitCode::failure, what + " " + path + ": " + std::strerror(errno));
}

void sync_directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // best effort: the rename itself already happened
  ::fsync(fd);
  ::close(fd);
}

// Copies what `in` holds from its current offset to its end into `out`, with plain reads and
// writes: they work between any two filesystems.
void copy_all(int in, int out, const std::string& from, const std::string& temp) {
  std::string buffer(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read", from);
    if (n == 0) return;
    write_all(out, std::string_view(buffer.data(), size_t(n)), temp);
  }
}

// Writes `path` through a temporary file beside it that `fill` writes: temp, fsync, rename,
// fsync the directory; the temp file is removed on failure.
template <class Fill>
void replace_atomically(const std::string& path, mode_t mode, Fill fill) {
  // The temp name is unique per process and call, so concurrent writers (other processes, or
  // threads of this one) never share a temp file.
  static std::atomic<unsigned> writes{0};
  std::string temp = temporary_path(path, long(::getpid()), writes++);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) fail("cannot create", temp);
  try {
    fill(fd, temp);
    if (::fsync(fd) != 0) fail("cannot sync", temp);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    fail("cannot replace", path);
  }
  sync_directory_of(path);
}

}  // namespace

void write_all(int fd, std::string_view content, const std::string& path) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write", path);
    done += static_cast<size_t>(n);
  }
}

void replace_file_atomically(const std::string& path,
                             const std::function<void(int fd, const std::string& temp)>& fill) {
  replace_atomically(path, 0644, fill);
}

void write_file_atomically(const std::string& path, const std::string& content) {
  replace_atomically(path, 0644, [&](int fd, const std::string& temp) { write_all(fd, content, temp); });
}

void copy_file_atomically(const std::string& from, const std::string& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) fail("cannot read", from);
  struct stat info {};
  if (::fstat(in, &info) != 0) {
    int saved = errno;
    ::close(in);
    errno = saved;
    fail("cannot read", from);
  }
  try {
    replace_atomically(to, info.st_mode & 07777, [&](int out, const std::string& temp) {
      copy_all(in, out, from, temp);
      // open() applied the umask: give the copy the source's bits.
      ::fchmod(out, info.st_mode & 07777);
    });
  } catch (...) {
    ::close(in);
    throw;
  }
  ::close(in);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read", path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void read_exactly(int fd, uint64_t offset, void* into, size_t size, const std::string& path) {
  auto* bytes = static_cast<char*>(into);
  while (size > 0) {
    const ssize_t got = ::pread(fd, bytes, size, off_t(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw Error(ExitCode::run, "cannot read " + path + ": " + std::strerror(errno));
    if (got == 0) throw Error(ExitCode::run, path + " ends before the data it describes");
    bytes += got;
    size -= size_t(got);
    offset += uint64_t(got);
  }
}

std::string temporary_path(const std::string& path, long pid, unsigned count) {
  return path + ".tmp." + std::to_string(pid) + "." + std::to_string(count);
}

std::string target_of_temporary_name(const std::string& name) {
  // <target>.tmp.<pid>.<count>, or <target>.tmp.<pid> as forge 0.1 named them.
  auto strip_number = [](std::string& text) {
    const size_t dot = text.rfind('.');
    if (dot == std::string::npos || parse_decimal(text.substr(dot + 1), UINT32_MAX) < 0) return false;
    text.resize(dot);
    return true;
  };
  const std::string marker = ".tmp";
  auto strip_marker = [&](std::string& text) {
    if (text.size() <= marker.size() || text.compare(text.size() - marker.size(), marker.size(), marker) != 0)
      return false;
    text.resize(text.size() - marker.size());
    return true;
  };
  std::string rest = name;
  if (!strip_number(rest)) return "";
  if (strip_marker(rest)) return rest;
  return strip_number(rest) && strip_marker(rest) ? rest : "";
}

}  // namespace forge
