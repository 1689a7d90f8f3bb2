// Helpers shared by the unit and end-to-end tests.
#pragma once

#include "core/process.hpp"

#include <functional>
#include <string>
#include <vector>

namespace forge::testing {

// A fresh folder under $TMPDIR, removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A tmpfs of `megabytes` mounted on a fresh folder, for tests of another filesystem than the
// build's (a cluster's scratch disk) and of a full disk; unmounted when the object dies. Where
// this process may not mount (not root), mounted() is false and why_not() says why: skip.
class TmpfsMount {
 public:
  explicit TmpfsMount(int megabytes);
  ~TmpfsMount();
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_not_; }
  const std::string& path() const { return folder_.path(); }
  std::string operator/(const std::string& name) const { return folder_ / name; }

 private:
  TempDir folder_;
  bool mounted_ = false;
  std::string why_not_;
};

// Paths of the build under test (compiled in by cmake/forge_test.cmake).
std::string forge_binary();
std::string source_dir();
std::string fixtures_dir();  // libraries for the plugin-loading error tests
std::string build_dir();     // the CMake build folder (build/examples/predict, CPackConfig.cmake...)

// The plugin cache the suite uses: one for all tests, so each torch plugin compiles once.
// Test programs set XDG_CACHE_HOME to it before any test runs.
std::string plugin_cache_dir_for_tests();

void write_text(const std::string& path, const std::string& text);

// Runs the forge binary with `args` in `cwd`; output holds stdout and stderr.
ProcessResult run_forge(const std::vector<std::string>& args, const std::string& cwd);

// Starts the forge binary without waiting; its output goes to `log`. Returns the pid.
int spawn_forge(const std::vector<std::string>& args, const std::string& cwd, const std::string& log);

// Starts `argv` (argv[0] a path) in `cwd` without waiting; its output goes to `log`. Returns the pid.
int spawn(std::vector<std::string> argv, const std::string& cwd, const std::string& log);

// The processes `pid` started that still run (or are not yet reaped), oldest first.
std::vector<int> children_of(int pid);

// Waits for a spawned process: its exit code, or 128 + signal when a signal ended it.
int wait_for_exit(int pid);

// A digest of every file's path and content below `dir`: equal digests, unchanged tree.
std::string tree_digest(const std::string& dir);

// Polls `condition` until it holds (true) or `seconds` have passed (false).
bool wait_until(const std::function<bool()>& condition, double seconds = 120);

// A file's content, or "" while it does not exist.
std::string text_or_empty(const std::string& path);

// The status in a run folder's manifest, or "" while it has none.
std::string run_status(const std::string& run_dir);

// The last line of `text` that is not empty.
std::string last_line(const std::string& text);

}  // namespace forge::testing
