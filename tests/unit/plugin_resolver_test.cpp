#include "plugins/plugin_resolver.hpp"

#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

#include <cstdlib>

namespace forge {

TEST(PluginResolver, BuiltInNamesResolveWithOrWithoutSuffix) {
  EXPECT_NE(resolve_plugin("mlp").find("mlp.so"), std::string::npos);
  EXPECT_NE(resolve_plugin("mnist.so").find("mnist.so"), std::string::npos);
}

TEST(PluginResolver, PathsAreTakenAsGiven) {
  testing::TempDir dir;
  testing::write_text(dir / "net.cpp", "");
  EXPECT_EQ(resolve_plugin(dir / "net.cpp"), dir / "net.cpp");
  EXPECT_TRUE(is_plugin_source(dir / "net.cpp"));
  EXPECT_FALSE(is_plugin_source("net.so"));
}

TEST(PluginResolver, SearchesForgePluginPathAfterBuiltIns) {
  testing::TempDir dir;
  testing::write_text(dir / "mine.so", "");
  ::setenv("FORGE_PLUGIN_PATH", (dir.path() + ":/nonexistent").c_str(), 1);
  EXPECT_EQ(resolve_plugin("mine"), dir / "mine.so");
  ::unsetenv("FORGE_PLUGIN_PATH");
}

TEST(PluginResolver, MissingPluginIsAPluginError) {
  try {
    resolve_plugin("no_such_plugin");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::plugin);
    EXPECT_NE(std::string(e.what()).find("no_such_plugin"), std::string::npos);
  }
  EXPECT_THROW(resolve_plugin("/nonexistent/x.cpp"), Error);
}

}  // namespace forge
