#include "fuzz_support.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>
#include <boost/filesystem.hpp>

#include <cstdlib>
#include <fstream>

namespace forge::fuzz {
namespace {
// forge's warnings (a torn metrics line...) are expected here, millions of times: not printed.
[[maybe_unused]] const bool quiet = [] {
  spdlog::set_level(spdlog::level::off);
  return true;
}();
}  // namespace

const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::string pattern = (boost::filesystem::temp_directory_path() / "forge-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    return pattern;
  }();
  return dir;
}

std::string write_input(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  boost::filesystem::create_directories(boost::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), std::streamsize(size));
  return path;
}

}  // namespace forge::fuzz
