// Reading a file that a run folder (or any folder forge did not make itself) names, without
// trusting the folder: every step of the path is opened below the folder with O_NOFOLLOW, so a
// link anywhere on the way (to /etc/passwd, to /proc/self/environ, to a folder outside) is
// refused rather than followed, and only a regular file is read (a FIFO or a device never
// blocks or streams forever).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace forge {

struct ConfinedRead {
  bool ok = false;
  std::string bytes;  // the file's, when ok
  std::string why;    // why not, when not ok: "a link", "not a regular file", "larger than 4 MiB"...
};

// Reads `relative` (a path below `root`, '/'-separated, no "..") when every folder on the way
// and the file itself are real (not links) and the file is regular and at most `max_bytes`.
ConfinedRead read_confined_file(const std::string& root, const std::string& relative, uint64_t max_bytes);

struct ConfinedEntry {
  std::string name;
  enum class Kind { folder, file, link, other } kind;  // as the entry itself is (a link is not followed)
};

// The entries of the folder `relative` below `root` (reached as read_confined_file does; ""
// for `root` itself), sorted by name. Empty when the folder cannot be reached so.
std::vector<ConfinedEntry> list_confined_folder(const std::string& root, const std::string& relative);

}  // namespace forge
