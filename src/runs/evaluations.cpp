#include "runs/evaluations.hpp"

#include "runs/run_files.hpp"

#include <forge/error.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace forge {

void record_evaluation(const std::string& run_dir, int64_t step, const json& entry) {
  // flock on the folder: no file is made for it, and the run's own .lock (held by a training
  // process, which eval may run beside) is a different lock.
  const int folder = ::open(run_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder < 0) throw Error(ExitCode::failure, "cannot open " + run_dir + ": " + std::strerror(errno));
  while (::flock(folder, LOCK_EX) != 0 && errno == EINTR) {
  }
  try {
    const std::string path = evals_file(run_dir);
    json evals = ::access(path.c_str(), F_OK) == 0 ? read_json(path) : json::object();
    if (!evals.is_object()) throw Error(ExitCode::run, path + " is not a JSON object of evaluations");
    evals[std::to_string(step)] = entry;
    write_json_atomically(path, evals);
  } catch (...) {
    ::close(folder);  // releases the lock
    throw;
  }
  ::close(folder);
}

}  // namespace forge
