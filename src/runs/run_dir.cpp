#include "runs/run_dir.hpp"

#include "core/decimal.hpp"
#include "runs/run_files.hpp"

#include <forge/error.hpp>

#include <sys/stat.h>
#include <boost/filesystem.hpp>

#include <cerrno>
#include <cstring>

namespace fs = boost::filesystem;

namespace forge {
namespace {

// Run numbers beyond this are no run forge made (a folder a user named 99999999999999999999):
// they neither fail the claim nor push the next number out of range.
constexpr int64_t largest_run_number_made = 1'000'000'000;

long largest_run_number(const fs::path& parent) {
  long largest = 0;
  for (const auto& entry : fs::directory_iterator(parent))
    largest = std::max<long>(largest, long(parse_decimal(entry.path().filename().string(), largest_run_number_made)));
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
