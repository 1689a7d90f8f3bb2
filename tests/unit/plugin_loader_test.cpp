#include "plugin_host/plugin_loader.hpp"

#include "plugin_host/plugin_resolver.hpp"
#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {
namespace {

std::string load_error(const std::string& library, PluginKind kind) {
  try {
    load_plugin(library, kind);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::plugin);
    return e.what();
  }
  return "";
}

std::string fixture(const std::string& name) { return testing::fixtures_dir() + "/" + name + ".so"; }

}  // namespace

TEST(PluginLoader, LoadsBuiltInPluginsWithTheirFlags) {
  LoadedPlugin mlp = load_plugin(resolve_plugin("mlp"), PluginKind::model);
  ASSERT_NE(mlp.load_model, nullptr);
  ASSERT_EQ(mlp.flags.size(), 1u);
  EXPECT_EQ(mlp.flags[0].name, "n_hidden");
  LoadedPlugin data = load_plugin(resolve_plugin("synthetic"), PluginKind::data);
  EXPECT_NE(data.load_data, nullptr);
}

TEST(PluginLoader, RefusesWhatIsNotAForgePlugin) {
  testing::TempDir dir;
  testing::write_text(dir / "text.so", "not a library");
  EXPECT_NE(load_error(dir / "text.so", PluginKind::data).find("cannot be loaded"), std::string::npos);
  EXPECT_NE(load_error(fixture("not_a_plugin"), PluginKind::data).find("is not a forge plugin"), std::string::npos);
}

TEST(PluginLoader, RefusesWrongKindMissingLoadAndOtherAbi) {
  EXPECT_NE(load_error(resolve_plugin("synthetic"), PluginKind::model).find("is a data plugin"), std::string::npos);
  EXPECT_NE(load_error(fixture("no_load_plugin"), PluginKind::data).find("has no load"), std::string::npos);
  EXPECT_NE(load_error(fixture("other_abi_plugin"), PluginKind::data).find("plugin ABI 999"), std::string::npos);
}

}  // namespace forge
