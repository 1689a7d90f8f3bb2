#include "plugins/plugin_compiler.hpp"

#include "plugins/plugin_loader.hpp"
#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <cstdlib>

namespace forge {
namespace {

// A torch-free data plugin, so these tests compile in about a second.
const char* tiny_plugin = R"(#include <forge/plugin.hpp>
#include "tiny.hpp"
namespace { std::vector<forge::FlagSpec> flags() { return {forge::integer_flag("tiny", TINY, "")}; } }
int load() { return 0; }  // never called: the test only loads the library
FORGE_PLUGIN_IDENTITY(data, flags)
FORGE_PLUGIN_LOAD(load)
)";

class PluginCompiler : public ::testing::Test {
 protected:
  void SetUp() override {
    old_cache_ = std::getenv("XDG_CACHE_HOME") ? std::getenv("XDG_CACHE_HOME") : "";
    ::setenv("XDG_CACHE_HOME", (cache_.path()).c_str(), 1);
    testing::write_text(sources_ / "tiny.cpp", tiny_plugin);
    testing::write_text(sources_ / "tiny.hpp", "#define TINY 7\n");
  }
  void TearDown() override { ::setenv("XDG_CACHE_HOME", old_cache_.c_str(), 1); }

  testing::TempDir cache_, sources_;
  std::string old_cache_;
};

}  // namespace

TEST_F(PluginCompiler, CompilesOnceThenHitsTheCache) {
  CompiledPlugin first = compile_plugin(sources_ / "tiny.cpp");
  EXPECT_FALSE(first.from_cache);
  EXPECT_EQ(first.library.rfind(cache_.path() + "/forge/plugins/", 0), 0u);
  ASSERT_EQ(first.headers.size(), 1u);
  CompiledPlugin second = compile_plugin(sources_ / "tiny.cpp");
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.library, first.library);
  LoadedPlugin loaded = load_plugin(first.library, PluginKind::data);
  ASSERT_EQ(loaded.flags.size(), 1u);
  EXPECT_EQ(loaded.flags[0].default_value, "7");
}

TEST_F(PluginCompiler, ChangedLocalHeaderChangesTheKey) {
  std::string before = compile_plugin(sources_ / "tiny.cpp").cache_key;
  testing::write_text(sources_ / "tiny.hpp", "#define TINY 8\n");
  EXPECT_NE(compile_plugin(sources_ / "tiny.cpp").cache_key, before);
}

TEST_F(PluginCompiler, CompileErrorIsSummarisedWithFileAndLine) {
  testing::write_text(sources_ / "broken.cpp", "#include <forge/plugin.hpp>\nint broken( {\n");
  try {
    compile_plugin(sources_ / "broken.cpp");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::compile);
    EXPECT_NE(std::string(e.what()).find("broken.cpp:2:"), std::string::npos) << e.what();
  }
  // Nothing half-built is left in the cache.
  for (boost::filesystem::recursive_directory_iterator it(cache_.path()), end; it != end; ++it)
    EXPECT_NE(it->path().extension(), ".so") << it->path();
}

}  // namespace forge

namespace forge {

TEST(CompileCommand, MatchesForgesBuildAndPrecompilesTorchOnlyWhenUsed) {
  testing::TempDir dir;
  testing::write_text(dir / "net.cpp", "#include <forge/model.hpp>\n// forge:link z\n");
  testing::write_text(dir / "plain.cpp", "#include <forge/plugin.hpp>\n");
  auto has = [](const std::vector<std::string>& command, const std::string& arg) {
    return std::find(command.begin(), command.end(), arg) != command.end();
  };
  auto torch_command = compile_command(dir / "net.cpp", dir / "net.so");
  EXPECT_TRUE(has(torch_command, "-fvisibility=hidden"));
  EXPECT_TRUE(has(torch_command, "-D_GLIBCXX_USE_CXX11_ABI=1"));
  EXPECT_TRUE(has(torch_command, "-lz"));
  EXPECT_TRUE(has(torch_command, "-include"));
  EXPECT_FALSE(has(compile_command(dir / "plain.cpp", dir / "plain.so"), "-include"));
  EXPECT_FALSE(has(compile_command(dir / "net.cpp", dir / "net.so", /*use_pch=*/false), "-include"));
}

}  // namespace forge
