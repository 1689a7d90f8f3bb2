#include "plugin_host/plugin_compiler.hpp"

#include "core/build_config.hpp"
#include "plugin_host/plugin_cache.hpp"
#include "plugin_host/plugin_loader.hpp"
#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <cstdlib>

#include <unistd.h>

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

// A distribution upgrade replaces libtorch under the same paths: a library cached for the old
// one must not be loaded into the new.
TEST_F(PluginCompiler, AnotherLibtorchOrCudaVersionChangesTheKey) {
  const std::string source = sources_ / "tiny.cpp";
  const std::vector<std::string> headers{sources_ / "tiny.hpp"};
  BuildConfig config = build_config();
  const std::string key = plugin_cache_key(source, headers, config);
  EXPECT_EQ(plugin_cache_key(source, headers), key);
  config.libtorch_version += ".1";
  EXPECT_NE(plugin_cache_key(source, headers, config), key);
  config = build_config();
  config.cuda_version = config.cuda_version.empty() ? "13.0" : "";
  EXPECT_NE(plugin_cache_key(source, headers, config), key);
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
  // forge's own flags and libtorch's (its ABI define, its language standard), whichever libtorch.
  for (const std::string& flag : build_config().compile_flags)
    if (!flag.empty()) EXPECT_TRUE(has(torch_command, flag)) << flag;
  EXPECT_TRUE(has(torch_command, "-lz"));
  EXPECT_TRUE(has(torch_command, "-include"));
  EXPECT_FALSE(has(compile_command(dir / "plain.cpp", dir / "plain.so"), "-include"));
  EXPECT_FALSE(has(compile_command(dir / "net.cpp", dir / "net.so", /*use_pch=*/false), "-include"));
}

// The cache holds code forge loads: it is private, and what it holds is checked.
TEST_F(PluginCompiler, CacheFoldersArePrivateAndARefusedFolderIsNamed) {
  CompiledPlugin compiled = compile_plugin(sources_ / "tiny.cpp");
  for (const std::string& dir :
       {cache_ / "forge", cache_ / "forge/plugins", cache_ / ("forge/plugins/" + compiled.cache_key)})
    EXPECT_EQ(int(boost::filesystem::status(dir).permissions()) & 077, 0) << dir;
  boost::filesystem::permissions(cache_ / "forge", boost::filesystem::perms(0777));
  try {
    compile_plugin(sources_ / "tiny.cpp");
    FAIL() << "a cache writable by others was used";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::plugin);
    EXPECT_NE(std::string(e.what()).find("is writable by others"), std::string::npos) << e.what();
  }
  boost::filesystem::permissions(cache_ / "forge", boost::filesystem::perms(0700));
  if (::geteuid() != 0) GTEST_SKIP() << "giving the cache to another user takes root";
  ASSERT_EQ(::chown((cache_ / "forge").c_str(), 65534, 65534), 0);
  try {
    compile_plugin(sources_ / "tiny.cpp");
    FAIL() << "a cache of another user was used";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("belongs to another user"), std::string::npos) << e.what();
  }
  ASSERT_EQ(::chown((cache_ / "forge").c_str(), 0, 0), 0);
}

TEST_F(PluginCompiler, ACachedLibraryThatChangedIsRebuiltNotLoaded) {
  CompiledPlugin first = compile_plugin(sources_ / "tiny.cpp");
  testing::write_text(first.library, "replaced by someone");
  CompiledPlugin second = compile_plugin(sources_ / "tiny.cpp");
  EXPECT_FALSE(second.from_cache);
  EXPECT_NO_THROW(load_plugin(second.library, PluginKind::data));
  EXPECT_TRUE(compile_plugin(sources_ / "tiny.cpp").from_cache);
}

// Without XDG_CACHE_HOME and HOME the cache used to fall back to the shared /tmp.
TEST(PluginCache, WithoutHomeItIsTheAccountsHomeNeverASharedFolder) {
  const std::string xdg = std::getenv("XDG_CACHE_HOME") ? std::getenv("XDG_CACHE_HOME") : "";
  const std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
  ::unsetenv("XDG_CACHE_HOME");
  ::unsetenv("HOME");
  const std::string dir = plugin_cache_dir();
  ::setenv("XDG_CACHE_HOME", xdg.c_str(), 1);
  if (!home.empty()) ::setenv("HOME", home.c_str(), 1);
  EXPECT_NE(dir.rfind("/tmp", 0), 0u) << dir;
  EXPECT_NE(dir.find("/.cache/forge"), std::string::npos) << dir;
}

}  // namespace forge
