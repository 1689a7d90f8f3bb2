#include "test_support.hpp"

#include "core/atomic_file.hpp"
#include "core/hash.hpp"

#include <boost/filesystem.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fs = boost::filesystem;

namespace forge::testing {

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "forge-test-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  boost::system::error_code ignored;
  fs::remove_all(path_, ignored);
}

TmpfsMount::TmpfsMount(int megabytes) {
  if (::geteuid() != 0) {
    why_not_ = "mounting a tmpfs needs root";
    return;
  }
  ProcessResult result =
      run_process({"mount", "-t", "tmpfs", "-o", "size=" + std::to_string(megabytes) + "m", "tmpfs", path()});
  mounted_ = result.exit_status == 0;
  if (!mounted_) why_not_ = "cannot mount a tmpfs: " + last_line(result.output);
}

TmpfsMount::~TmpfsMount() {
  if (mounted_) run_process({"umount", "-l", path()});
}

std::string forge_binary() { return FORGE_TEST_BIN; }
std::string source_dir() { return FORGE_TEST_SOURCE_DIR; }
std::string fixtures_dir() { return FORGE_TEST_FIXTURES; }
std::string build_dir() { return FORGE_TEST_BUILD_DIR; }
std::string plugin_cache_dir_for_tests() { return FORGE_TEST_CACHE; }

namespace {
// Runs before main: every test, and every forge process a test starts, uses the suite's cache.
[[maybe_unused]] const bool cache_set = ::setenv("XDG_CACHE_HOME", FORGE_TEST_CACHE, 1) == 0;
}  // namespace

bool wait_until(const std::function<bool()>& condition, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::string text_or_empty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string run_status(const std::string& run_dir) {
  const std::string manifest = text_or_empty(run_dir + "/manifest.json");
  if (manifest.empty()) return "";
  return nlohmann::json::parse(manifest, nullptr, false).value("status", "");
}

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

ProcessResult run_forge(const std::vector<std::string>& args, const std::string& cwd) {
  std::vector<std::string> argv{forge_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, cwd);
}

int spawn_forge(const std::vector<std::string>& args, const std::string& cwd, const std::string& log) {
  std::vector<std::string> argv{forge_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return spawn(argv, cwd, log);
}

int spawn(std::vector<std::string> argv, const std::string& cwd, const std::string& log) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    if (::chdir(cwd.c_str()) != 0) ::_exit(127);
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  return pid;
}

std::vector<int> children_of(int pid) {
  std::vector<int> children;
  std::istringstream in(text_or_empty("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children"));
  for (int child; in >> child;) children.push_back(child);
  return children;
}

int wait_for_exit(int pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string tree_digest(const std::string& dir) {
  std::vector<std::string> files;
  for (fs::recursive_directory_iterator it(dir), end; it != end; ++it) files.push_back(it->path().string());
  std::sort(files.begin(), files.end());
  Hasher hasher;
  for (const auto& file : files) {
    hasher.add(file);
    if (fs::is_regular_file(file)) hasher.add(read_file(file));
  }
  return hasher.hex();
}

std::string last_line(const std::string& text) {
  std::istringstream lines(text);
  std::string line, last;
  while (std::getline(lines, line))
    if (!line.empty()) last = line;
  return last;
}

}  // namespace forge::testing
