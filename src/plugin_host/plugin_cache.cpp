#include "plugin_host/plugin_cache.hpp"

#include "core/atomic_file.hpp"
#include "core/hash.hpp"

#include <forge/error.hpp>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/filesystem.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace fs = boost::filesystem;

namespace forge {
namespace {

std::string home_folder() {
  const char* home = std::getenv("HOME");
  if (home && *home) return home;
  const passwd* account = ::getpwuid(::geteuid());
  if (account && account->pw_dir && *account->pw_dir) return account->pw_dir;
  throw Error(ExitCode::plugin, "no cache folder for compiled plugins: set XDG_CACHE_HOME (or HOME)");
}

void require_private(const fs::path& dir) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0)
    throw Error(ExitCode::plugin, "cannot use the plugin cache folder " + dir.string() + ": " + std::strerror(errno));
  if (info.st_uid != ::geteuid())
    throw Error(ExitCode::plugin, "the plugin cache folder " + dir.string() + " belongs to another user; forge " +
                                      "loads what it holds, so it uses only a folder of yours (set XDG_CACHE_HOME)");
  if (info.st_mode & (S_IWGRP | S_IWOTH))
    throw Error(ExitCode::plugin, "the plugin cache folder " + dir.string() + " is writable by others; forge " +
                                      "loads what it holds: chmod go-w " + dir.string() + " (or set XDG_CACHE_HOME)");
}

}  // namespace

std::string plugin_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg) return std::string(xdg) + "/forge";
  return home_folder() + "/.cache/forge";
}

void make_private_cache_dir(const std::string& dir) {
  const fs::path root = plugin_cache_dir();
  const fs::path target = fs::path(dir).lexically_normal();
  // The folders above the cache root (XDG_CACHE_HOME, ~/.cache) are the user's to choose.
  fs::path at = root.parent_path();
  if (!at.empty()) fs::create_directories(at);
  fs::path relative = target.lexically_relative(at);
  for (const auto& part : relative) {
    at /= part;
    if (::mkdir(at.c_str(), 0700) != 0 && errno != EEXIST)
      throw Error(ExitCode::plugin,
                  "cannot create the plugin cache folder " + at.string() + ": " + std::strerror(errno));
    require_private(at);
  }
}

void record_cached_library(const std::string& library) {
  write_file_atomically(library + ".sha1", sha1_of_file(library));
}

bool cached_library_intact(const std::string& library) {
  boost::system::error_code error;
  if (!fs::is_regular_file(library, error) || !fs::is_regular_file(library + ".sha1", error)) return false;
  return read_file(library + ".sha1") == sha1_of_file(library);
}

}  // namespace forge
