// Durable, all-or-nothing file writes: readers see the old content or the new, never a mix,
// even if the process dies mid-write (write temp, fsync, rename, fsync the directory).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace forge {

// Replaces `path` with `content`. Throws forge::Error (ExitCode::failure) naming the path.
void write_file_atomically(const std::string& path, const std::string& content);

// Replaces `path` with what `fill` writes into a new temporary file beside it (given its open
// descriptor and its path), then as write_file_atomically does. For content too big to hold in
// memory first: a checkpoint written straight from the tensors. If `fill` throws, the temporary
// file is removed and `path` is left as it was.
void replace_file_atomically(const std::string& path, const std::function<void(int fd, const std::string& temp)>& fill);

// Copies `from` to `to` with its permission bits, as write_file_atomically writes: through a
// temporary file beside `to`, so it works across filesystems (a run folder on a cluster's
// scratch disk or a tmpfs; the kernel's copy_file_range refuses those with EXDEV) and a
// crash leaves the old `to` or the new, never half a file. Throws forge::Error
// (ExitCode::failure) naming the file.
void copy_file_atomically(const std::string& from, const std::string& to);

// Writes all of `content` to `fd` (retrying short writes and EINTR). Throws forge::Error
// (ExitCode::failure) naming `path` and the system's reason (a full disk, say).
void write_all(int fd, std::string_view content, const std::string& path);

// The temporary file an atomic write of `path` goes through: `path`.tmp.<pid>.<count>.
std::string temporary_path(const std::string& path, long pid, unsigned count);

// The file name whose temporary file `name` is (strictly: a name, ".tmp.", then the writer's
// pid and its count in digits, or the pid alone as forge 0.1 wrote); "" when `name` is no such
// temporary file.
std::string target_of_temporary_name(const std::string& name);

// Reads exactly `size` bytes at `offset` of `fd` into `into` (retrying short reads and EINTR).
// Throws forge::Error (ExitCode::run) naming `path` when the file ends first or a read fails.
void read_exactly(int fd, uint64_t offset, void* into, size_t size, const std::string& path);

// Reads a whole file. Throws forge::Error (ExitCode::failure) naming the path.
std::string read_file(const std::string& path);

}  // namespace forge
