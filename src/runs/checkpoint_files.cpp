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

}  // namespace forge
