#include "plugin_host/plugin_compiler.hpp"

#include "core/atomic_file.hpp"
#include "core/build_config.hpp"
#include "core/hash.hpp"
#include "core/process.hpp"
#include "plugin_host/forge_layout.hpp"
#include "plugin_host/local_headers.hpp"
#include "plugin_host/plugin_cache.hpp"
#include "plugin_host/torch_pch.hpp"

#include <forge/error.hpp>
#include <forge/plugin.hpp>

#include <spdlog/spdlog.h>
#include <unistd.h>
#include <boost/filesystem.hpp>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <regex>
#include <sstream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

// The first line of compiler output that reports an error, for the one-line summary.
std::string first_error_line(const std::string& output) {
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line))
    if (line.find("error") != std::string::npos) return line;
  return "the compiler gave no error message";
}

size_t count_errors(const std::string& output) {
  size_t count = 0;
  for (size_t at = output.find(": error:"); at != std::string::npos; at = output.find(": error:", at + 1)) ++count;
  return count;
}

// Whether the source (or a local header it includes) includes torch; only then does the
// precompiled torch header pay for its load time (it is over 500 MB).
bool includes_torch(const std::string& source) {
  static const std::regex torch_include(R"(#\s*include\s*<(torch/|forge/data\.hpp|forge/model\.hpp))");
  std::vector<std::string> files = local_headers(source);
  files.push_back(source);
  for (const auto& file : files)
    if (std::regex_search(read_file(file), torch_include)) return true;
  return false;
}

bool uses_pch(const std::vector<std::string>& command) {
  return std::find(command.begin(), command.end(), "-include") != command.end();
}

// Clang refuses a precompiled header whose torch headers changed since it was built (GCC
// silently ignores it); forge then compiles without it rather than fail the user's plugin.
bool complains_about_pch(const std::string& output) {
  return output.find("precompiled header") != std::string::npos || output.find("PCH file") != std::string::npos;
}

// forge's public headers (<include_dir>/forge/*), by name and content: a plugin built against
// other headers — an edit without a plugin ABI bump — must not be taken from the cache.
void add_public_headers(Hasher& hasher, const std::string& include_dir) {
  std::vector<fs::path> files;
  boost::system::error_code error;
  for (fs::directory_iterator it(fs::path(include_dir) / "forge", error), end; !error && it != end; ++it)
    if (fs::is_regular_file(it->path())) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) hasher.add(file.filename().string()).add(read_file(file.string()));
}

}  // namespace

std::vector<std::string> build_flags(bool link_library) {
  std::vector<std::string> flags;
  for (const auto& flag : build_config().compile_flags)  // (an empty definition list leaves "" and "-D")
    if (!flag.empty() && flag != "-D" && (link_library || flag != "-shared")) flags.push_back(flag);
  return flags;
}

std::vector<std::string> torch_include_flags() {
  std::vector<std::string> flags;
  for (const auto& dir : build_config().include_dirs)
    if (!dir.empty()) flags.push_back("-I" + dir);
  return flags;
}

std::vector<std::string> compile_command(const std::string& source, const std::string& output, bool use_pch) {
  const BuildConfig& config = build_config();
  std::vector<std::string> command{config.compiler};
  for (const auto& flag : build_flags(true)) command.push_back(flag);
  command.push_back("-I" + forge_layout().include_dir);  // before libtorch's: a forge under /usr/include must not win
  for (const auto& flag : torch_include_flags()) command.push_back(flag);
  // The precompiled torch header cuts compile time to a third; its content is what the source
  // includes anyway, so it is not part of the cache key. (-include finds it beside the header.)
  const std::string pch = use_pch ? torch_pch_header(false) : "";
  if (!pch.empty() && includes_torch(source)) {
    command.push_back("-include");
    command.push_back(pch);
  }
  command.push_back(source);
  command.push_back("-o");
  command.push_back(output);
  for (const auto& library : config.link_libraries) command.push_back(library);
  for (const auto& extra : link_directives(read_file(source))) command.push_back("-l" + extra);
  return command;
}

std::string plugin_cache_key(const std::string& source, const std::vector<std::string>& headers,
                             const BuildConfig& config) {
  Hasher hasher;
  hasher.add("abi " + std::to_string(plugin_abi_version));
  hasher.add("forge " + config.forge_version);
  // The libtorch may change under the same paths (a distribution upgrade): its version is part of the key.
  hasher.add("libtorch " + config.libtorch_version + " cuda " + config.cuda_version);
  hasher.add(config.compiler).add(config.compiler_version).add(forge_layout().include_dir);
  add_public_headers(hasher, forge_layout().include_dir);
  for (const auto& list : {config.compile_flags, config.include_dirs, config.link_libraries})
    for (const auto& part : list) hasher.add(part);
  hasher.add(read_file(source));
  for (const auto& header : headers) hasher.add(fs::path(header).filename().string()).add(read_file(header));
  return hasher.hex();
}

CompiledPlugin compile_plugin(const std::string& source) {
  if (!fs::is_regular_file(source)) throw Error(ExitCode::plugin, "plugin source " + source + " does not exist");
  CompiledPlugin result;
  result.headers = local_headers(source);
  result.cache_key = plugin_cache_key(source, result.headers);
  fs::path dir = fs::path(plugin_cache_dir()) / "plugins" / result.cache_key;
  fs::path library = dir / (fs::path(source).stem().string() + ".so");
  result.library = library.string();
  make_private_cache_dir(dir.string());
  if (cached_library_intact(library.string())) {
    result.from_cache = true;
    return result;
  }
  if (fs::exists(library))
    spdlog::warn("cached plugin {} does not match its recorded SHA-1; rebuilding it", library.string());
  boost::system::error_code ignored;
  // Unique per process and per call: two compiles of one source never share a temp file.
  static std::atomic<int> builds{0};
  std::string temp = (dir / (".build." + std::to_string(::getpid()) + "." + std::to_string(builds++) + ".so")).string();
  const std::string absolute_source = fs::absolute(source).string();
  if (includes_torch(absolute_source)) torch_pch_header(/*build_if_missing=*/true);
  std::vector<std::string> command = compile_command(absolute_source, temp);
  ProcessResult compiled = run_process(command);
  if (compiled.exit_status != 0 && uses_pch(command) && complains_about_pch(compiled.output))
    compiled = run_process(compile_command(absolute_source, temp, false));
  if (compiled.exit_status != 0) {
    fs::remove(temp, ignored);
    std::cerr << compiled.output;
    size_t errors = count_errors(compiled.output);
    throw Error(ExitCode::compile, "cannot compile " + source + " (" + std::to_string(errors) +
                                       (errors == 1 ? " error" : " errors") +
                                       "): " + first_error_line(compiled.output));
  }
  fs::rename(temp, library);
  record_cached_library(library.string());
  return result;
}

}  // namespace forge
