#include "plugin_host/forge_layout.hpp"
#include "core/build_config.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

TEST(ForgeLayout, FindsAnInstalledPrefixFromEachOfItsBinaries) {
  testing::TempDir prefix;
  testing::write_text(prefix / "include/forge/plugin.hpp", "");
  fs::create_directories(prefix / "lib/forge/plugins");
  const std::string canonical = fs::canonical(prefix.path()).string();
  for (const std::string binary : {"bin/forge", "lib/libforge.so.0.1", "lib/forge/forge-engine"}) {
    testing::write_text(prefix / binary, "");
    ForgeLayout layout = layout_around(prefix / binary);
    EXPECT_TRUE(layout.installed) << binary;
    EXPECT_EQ(layout.prefix, canonical);
    EXPECT_EQ(layout.include_dir, canonical + "/include");
    EXPECT_EQ(layout.plugin_dir, canonical + "/lib/forge/plugins");
    EXPECT_EQ(layout.plugin_pch, "");
  }
}

TEST(ForgeLayout, ElsewhereItIsTheBuildTree) {
  testing::TempDir loose;
  testing::write_text(loose / "bin/forge", "");
  testing::write_text(loose / "include/forge/plugin.hpp", "");  // no lib/forge/plugins: not a prefix
  for (const std::string module : {loose / "bin/forge", testing::forge_binary(), std::string()}) {
    ForgeLayout layout = layout_around(module);
    EXPECT_FALSE(layout.installed) << module;
    EXPECT_EQ(layout.include_dir, build_config().forge_include_dir);
    EXPECT_EQ(layout.plugin_dir, build_config().build_plugin_dir);
    EXPECT_EQ(layout.plugin_pch, build_config().plugin_pch);
  }
  EXPECT_FALSE(forge_layout().installed);  // this test program, in the build tree
}

}  // namespace
}  // namespace forge
