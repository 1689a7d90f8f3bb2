#include "runs/checkpoint_files.hpp"

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

#include <algorithm>

namespace fs = boost::filesystem;

namespace forge {

std::vector<int64_t> list_checkpoints(const std::string& run_dir) {
  std::vector<int64_t> steps;
  fs::path dir = checkpoints_folder(run_dir);
  if (!fs::is_directory(dir)) return steps;
  boost::system::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const int64_t step = parse_checkpoint_name(it->path().filename().string());
    if (step < 0) continue;
    // A link (to a file outside, to a FIFO that would block its reader), a folder: never read.
    if (fs::symlink_status(it->path()).type() != fs::regular_file) {
      spdlog::warn("ignored {}: a checkpoint's name, but not a regular file", it->path().string());
      continue;
    }
    steps.push_back(step);
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

std::vector<int64_t> set_aside_checkpoints_after(const std::string& run_dir, int64_t step) {
  std::vector<int64_t> set_aside;
  for (int64_t newer : list_checkpoints(run_dir)) {
    if (newer <= step) continue;
    const std::string path = checkpoint_path(run_dir, newer);
    fs::rename(path, path + ".corrupt");
    set_aside.push_back(newer);
  }
  return set_aside;
}

}  // namespace forge
