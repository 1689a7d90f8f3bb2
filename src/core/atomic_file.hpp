// Durable, all-or-nothing file writes: readers see the old content or the new, never a mix,
// even if the process dies mid-write (write temp, fsync, rename, fsync the directory).
#pragma once

#include <string>

namespace forge {

// Replaces `path` with `content`. Throws forge::Error (ExitCode::failure) naming the path.
void write_file_atomically(const std::string& path, const std::string& content);

// Reads a whole file. Throws forge::Error (ExitCode::failure) naming the path.
std::string read_file(const std::string& path);

}  // namespace forge
