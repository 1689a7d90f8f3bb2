#include "plugin_host/local_headers.hpp"

#include "core/atomic_file.hpp"

#include <boost/filesystem.hpp>

#include <regex>
#include <set>
#include <sstream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

void collect(const fs::path& file, std::set<std::string>& seen, std::vector<std::string>& out) {
  static const std::regex quoted_include(R"(^\s*#\s*include\s*"([^"]+)\")");
  std::istringstream lines(read_file(file.string()));
  std::string line;
  std::smatch match;
  while (std::getline(lines, line)) {
    if (!std::regex_search(line, match, quoted_include)) continue;
    fs::path header = file.parent_path() / match[1].str();
    // Not a local header: a system or include-path one, or a name no file can have (too long).
    boost::system::error_code error;
    if (!fs::is_regular_file(header, error)) continue;
    std::string canonical = fs::canonical(header, error).string();
    if (error) continue;
    if (!seen.insert(canonical).second) continue;
    out.push_back(canonical);
    collect(canonical, seen, out);
  }
}

}  // namespace

std::vector<std::string> local_headers(const std::string& source) {
  std::set<std::string> seen{fs::canonical(source).string()};
  std::vector<std::string> out;
  collect(fs::path(source), seen, out);
  return out;
}

std::vector<std::string> link_directives(const std::string& source_text) {
  static const std::regex directive(R"(^\s*//\s*forge:link\s+([A-Za-z0-9_.+-]+))");
  std::vector<std::string> out;
  std::istringstream lines(source_text);
  std::string line;
  std::smatch match;
  while (std::getline(lines, line))
    if (std::regex_search(line, match, directive)) out.push_back(match[1].str());
  return out;
}

}  // namespace forge
