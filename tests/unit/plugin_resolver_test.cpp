#include "plugin_host/plugin_resolver.hpp"

#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

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

// A file or folder in the current directory named like a built-in used to be taken instead.
TEST(PluginResolver, ABuiltInNameIsTheBuiltInWhateverTheCurrentFolderHolds) {
  testing::TempDir here;
  testing::write_text(here / "mnist/train-images-idx3-ubyte", "data, not a plugin");
  testing::write_text(here / "mlp", "a file named like a built-in");
  testing::write_text(here / "mlp.so", "a library named like a built-in");
  testing::write_text(here / "net.cpp", "a plugin of the user's");
  const std::string before = boost::filesystem::current_path().string();
  boost::filesystem::current_path(here.path());
  const std::string built_in_dir =
      boost::filesystem::path(resolve_plugin(testing::build_dir() + "/plugins/mnist.so")).parent_path().string();
  EXPECT_EQ(resolve_plugin("mnist"), built_in_dir + "/mnist.so");
  EXPECT_EQ(resolve_plugin("mlp"), built_in_dir + "/mlp.so");
  EXPECT_EQ(resolve_plugin("./mlp.so"), "./mlp.so");
  EXPECT_EQ(resolve_plugin("net.cpp"), "net.cpp");
  try {
    resolve_plugin("mlp.so");
    ADD_FAILURE() << "an ambiguous name was taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("is ambiguous: ./mlp.so here"), std::string::npos) << e.what();
  }
  boost::filesystem::current_path(before);
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
