// libforge.so exports forge's public API (include/forge/run.hpp, marked FORGE_API) and nothing
// else of forge's, so a program that links forge::forge cannot come to depend on internals.
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace forge {
namespace {

TEST(LibraryExports, OnlyThePublicApiOfForgeIsExported) {
  ProcessResult nm = run_process({"nm", "-D", "-C", "--defined-only", testing::build_dir() + "/libforge.so"});
  ASSERT_EQ(nm.exit_status, 0) << nm.output;
  std::istringstream lines(nm.output);
  std::vector<std::string> exported;
  // The plugin-boundary types (include/forge) whose typeinfo is visible on purpose, so that a
  // plugin's subclass and forge agree on it.
  const std::vector<std::string> boundary_types{"forge::Source"};
  for (std::string line; std::getline(lines, line);) {
    // "<address> <type> <symbol>". forge's own: its functions, variables, vtables, typeinfo.
    // (std:: templates over the types shared with plugins, which are visible by design so that
    // their typeinfo matches across the plugin boundary, are std's.)
    const size_t at = line.find(' ', line.find(' ') + 1);
    if (at == std::string::npos) continue;
    std::string symbol = line.substr(at + 1);
    bool boundary_typeinfo = false;
    for (const auto& type : boundary_types)
      boundary_typeinfo |= symbol == "typeinfo for " + type || symbol == "typeinfo name for " + type;
    if (boundary_typeinfo) continue;
    for (const char* prefix : {"vtable for ", "typeinfo for ", "typeinfo name for ", "VTT for "})
      if (symbol.rfind(prefix, 0) == 0) symbol = symbol.substr(std::string(prefix).size());
    if (symbol.rfind("forge::", 0) == 0) exported.push_back(line.substr(at + 1));
  }
  std::string listed;
  for (const auto& name : exported) listed += "\n  " + name;
  ASSERT_EQ(exported.size(), 2u) << "libforge.so exports these symbols of forge's:" << listed;
  for (const auto& name : exported)
    EXPECT_TRUE(name.rfind("forge::load_from_checkpoint(", 0) == 0 ||
                name.rfind("forge::list_run_checkpoints(", 0) == 0)
        << name;
}

}  // namespace
}  // namespace forge
