// One process trains a run at a time: it holds an exclusive lock on <run>/.lock (an fcntl
// open-file-description lock, which readers can test without taking) for as long as it trains. The lock file stays
// empty (taking the lock changes nothing on disk); the holder is named from the manifest's pid and host. The kernel
// drops the lock when the process dies, so a crashed run never stays locked, and a manifest that says "running" while
// nobody holds the lock is a run whose process died without a word.
#pragma once

#include <string>

namespace forge {

class RunLock {
 public:
  // Takes the lock. Throws Error(ExitCode::run) naming the process that holds it.
  explicit RunLock(const std::string& run_dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

// True while some process holds the run's lock.
bool is_run_locked(const std::string& run_dir);

// When the manifest says "running" but no process holds the lock, records the run as
// "crashed" (naming the recorded pid and host) and returns true.
bool record_crash_if_dead(const std::string& run_dir);

}  // namespace forge
