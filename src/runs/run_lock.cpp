#include "runs/run_lock.hpp"

#include "runs/manifest.hpp"
#include "runs/run_files.hpp"

#include <forge/error.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace forge {
namespace {

std::string lock_path(const std::string& run_dir) { return lock_file(run_dir); }

// The process the manifest names as training the run (train and resume record their pid).
std::string recorded_process(const std::string& run_dir) {
  try {
    const Manifest manifest = read_manifest(run_dir);
    return "pid " + std::to_string(manifest.pid) + " on " + (manifest.host.empty() ? "?" : manifest.host);
  } catch (const Error&) {
    return "not yet recorded";
  }
}

}  // namespace

RunLock::RunLock(const std::string& run_dir) {
  fd_ = ::open(lock_path(run_dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(ExitCode::run, "cannot lock run " + run_dir + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw Error(ExitCode::run, "run " + run_dir + " is being trained by another process (" + recorded_process(run_dir) +
                                   "); wait for it or stop it first");
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

bool is_run_locked(const std::string& run_dir) {
  int fd = ::open(lock_path(run_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return locked;
}

bool record_crash_if_dead(const std::string& run_dir) {
  if (read_manifest(run_dir).status != "running" || is_run_locked(run_dir)) return false;
  record_status(run_dir, "crashed",
                "the training process (" + recorded_process(run_dir) + ") died without recording why");
  return true;
}

}  // namespace forge
