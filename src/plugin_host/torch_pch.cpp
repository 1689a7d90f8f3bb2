#include "plugin_host/torch_pch.hpp"

#include "core/atomic_file.hpp"
#include "core/build_config.hpp"
#include "core/hash.hpp"
#include "core/process.hpp"
#include "plugin_host/forge_layout.hpp"
#include "plugin_host/plugin_cache.hpp"
#include "plugin_host/plugin_compiler.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>
#include <boost/filesystem.hpp>

#include <atomic>
#include <chrono>

namespace fs = boost::filesystem;

namespace forge {
namespace {

bool exists(const std::string& path) {
  boost::system::error_code error;
  return fs::is_regular_file(path, error);
}

// <cache>/pch/<hash of everything the header's content depends on>/forge_torch.hpp
std::string user_pch_header() {
  const BuildConfig& config = build_config();
  Hasher hasher;
  hasher.add(config.compiler).add(config.compiler_version).add(config.libtorch_version);
  for (const auto& list : {config.compile_flags, config.include_dirs, config.pch_options})
    for (const auto& part : list) hasher.add(part);
  return (fs::path(plugin_cache_dir()) / "pch" / hasher.hex() / "forge_torch.hpp").string();
}

// Held while this process builds the per-user header: concurrent first compiles (two .cpp
// plugins of one `forge train`, or two forge processes) build it once; the others wait for it.
class PchBuildLock {
 public:
  explicit PchBuildLock(const std::string& dir)
      : fd_(::open((dir + "/.build.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);  // without a lock file, builds race and the loser's rename is harmless
  }
  ~PchBuildLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  PchBuildLock(const PchBuildLock&) = delete;
  PchBuildLock& operator=(const PchBuildLock&) = delete;

 private:
  int fd_;
};

bool build_user_pch(const std::string& header) {
  const BuildConfig& config = build_config();
  const std::string binary = header + config.pch_extension;
  boost::system::error_code ignored;
  write_file_atomically(header, "// Precompiled for plugins that forge compiles.\n#include <torch/torch.h>\n");
  spdlog::info("precompiling <torch/torch.h> for plugin builds into {} (once per user; ~40 s)",
               fs::path(header).parent_path().string());
  auto started = std::chrono::steady_clock::now();
  // Built under a name of this process and thread, then renamed: nobody reads half a file.
  static std::atomic<int> builds{0};
  const std::string temp = binary + ".build." + std::to_string(::getpid()) + "." + std::to_string(builds++);
  std::vector<std::string> command{config.compiler};
  for (const auto& flag : build_flags(false)) command.push_back(flag);
  for (const auto& option : config.pch_options)
    if (!option.empty()) command.push_back(option);
  for (const auto& flag : torch_include_flags()) command.push_back(flag);
  for (const std::string part : {"-x", "c++-header"}) command.push_back(part);
  for (const std::string& part : {header, std::string("-o"), temp}) command.push_back(part);
  ProcessResult built = run_process(command);
  if (built.exit_status != 0) {
    fs::remove(temp, ignored);
    spdlog::warn("could not precompile <torch/torch.h> (plugins compile without it, slower): {}",
                 built.output.substr(0, built.output.find('\n')));
    return false;
  }
  fs::rename(temp, binary);
  spdlog::info("precompiled <torch/torch.h> in {:.1f} s",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return true;
}

}  // namespace

std::string torch_pch_header(bool build_if_missing) {
  const ForgeLayout& layout = forge_layout();
  const std::string& extension = build_config().pch_extension;
  if (!layout.installed) return exists(layout.plugin_pch + extension) ? layout.plugin_pch : "";
  const std::string header = user_pch_header();
  if (exists(header + extension)) return header;
  if (!build_if_missing) return "";
  make_private_cache_dir(fs::path(header).parent_path().string());
  PchBuildLock lock(fs::path(header).parent_path().string());
  if (exists(header + extension)) return header;  // built while this process waited
  if (build_user_pch(header)) return header;
  return "";
}

}  // namespace forge
