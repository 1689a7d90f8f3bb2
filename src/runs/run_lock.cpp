#include "runs/run_lock.hpp"

#include "runs/manifest.hpp"
#include "runs/run_files.hpp"

#include <forge/error.hpp>

#include <fcntl.h>
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

// The whole file, for fcntl's open-file-description locks.
struct flock whole_file(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  return lock;
}

}  // namespace

RunLock::RunLock(const std::string& run_dir) {
  fd_ = ::open(lock_path(run_dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(ExitCode::run, "cannot lock run " + run_dir + ": " + std::strerror(errno));
  struct flock exclusive = whole_file(F_WRLCK);
  if (::fcntl(fd_, F_OFD_SETLK, &exclusive) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw Error(ExitCode::run, "run " + run_dir + " is being trained by another process (" + recorded_process(run_dir) +
                                   "); wait for it or stop it first");
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

bool is_run_locked(const std::string& run_dir) {
  int fd = ::open(lock_path(run_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  // F_OFD_GETLK asks without taking anything: a look never makes a writer's lock fail.
  struct flock probe = whole_file(F_RDLCK);
  bool locked = ::fcntl(fd, F_OFD_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  ::close(fd);
  return locked;
}

bool record_crash_if_dead(const std::string& run_dir) {
  if (read_manifest(run_dir).status != "running" || is_run_locked(run_dir)) return false;
  // Under the lock, looked at again: a resume that took the lock between the look above and
  // the write below has written "running" itself, and must not be overwritten as crashed.
  const int fd = ::open(lock_path(run_dir).c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock exclusive = whole_file(F_WRLCK);
  bool recorded = false;
  try {
    if (::fcntl(fd, F_OFD_SETLK, &exclusive) == 0 && read_manifest(run_dir).status == "running") {
      record_status(run_dir, "crashed",
                    "the training process (" + recorded_process(run_dir) + ") died without recording why");
      recorded = true;
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);  // releases the lock
  return recorded;
}

}  // namespace forge
