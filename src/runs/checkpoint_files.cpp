#include "runs/checkpoint_files.hpp"

#include <boost/filesystem.hpp>

#include <algorithm>
#include <cstdio>

namespace fs = boost::filesystem;

namespace forge {

std::vector<int64_t> list_checkpoints(const std::string& run_dir) {
  std::vector<int64_t> steps;
  fs::path dir = checkpoints_folder(run_dir);
  if (!fs::is_directory(dir)) return steps;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    long long step;
    char tail;
    if (std::sscanf(name.c_str(), "step-%lld.ckp%c", &step, &tail) == 2 && tail == 't' &&
        entry.path().extension() == ".ckpt")
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
