#include "runs/run_dir.hpp"

#include "runs/run_files.hpp"

#include <forge/error.hpp>

#include <sys/stat.h>
#include <boost/filesystem.hpp>

#include <cerrno>
#include <cstring>

namespace fs = boost::filesystem;

namespace forge {
namespace {

long largest_run_number(const fs::path& parent) {
  long largest = 0;
  for (const auto& entry : fs::directory_iterator(parent)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    largest = std::max(largest, std::stol(name));
  }
  return largest;
}

}  // namespace

std::string claim_run_dir(const std::string& checkpoint_dir, const std::string& run_name) {
  fs::path parent = fs::path(checkpoint_dir) / run_name;
  boost::system::error_code error;
  fs::create_directories(parent, error);
  if (!fs::is_directory(parent))
    throw Error(ExitCode::failure, "cannot create run folder " + parent.string() + ": " + error.message());
  for (long n = largest_run_number(parent) + 1;; ++n) {
    fs::path candidate = parent / std::to_string(n);
    if (::mkdir(candidate.c_str(), 0755) == 0) return candidate.string();
    if (errno != EEXIST)
      throw Error(ExitCode::failure, "cannot create run folder " + candidate.string() + ": " + std::strerror(errno));
  }
}

bool is_run_dir(const std::string& path) { return fs::is_regular_file(manifest_file(path)); }

void require_run_dir(const std::string& path) {
  if (!fs::is_directory(path)) throw Error(ExitCode::run, "run folder " + path + " does not exist");
  if (!is_run_dir(path)) throw Error(ExitCode::run, path + " is not a forge run folder (it has no manifest.json)");
}

}  // namespace forge
