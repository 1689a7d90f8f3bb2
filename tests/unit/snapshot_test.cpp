#include "runs/snapshot.hpp"

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "core/process.hpp"
#include "plugin_host/plugin_compiler.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace forge {

TEST(Snapshot, CopiesLibrarySourceHeadersAndGitState) {
  testing::TempDir repo, run;
  testing::write_text(repo / "net.cpp", "#include \"layers/a.hpp\"\n");
  testing::write_text(repo / "layers/a.hpp", "// a\n");
  testing::write_text(repo / "net.so", "binary");
  ASSERT_EQ(run_process({"git", "init", "-q"}, repo.path()).exit_status, 0);
  run_process({"git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "."}, repo.path());
  ASSERT_EQ(
      run_process({"git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"}, repo.path()).exit_status,
      0);
  testing::write_text(repo / "net.cpp", "#include \"layers/a.hpp\"\n// changed\n");

  PluginFiles files{"model", "net.cpp", repo / "net.so", repo / "net.cpp", {repo / "layers/a.hpp"}};
  auto record = snapshot_plugin(run.path(), files);
  EXPECT_EQ(record.library, "plugins/model/net.so");
  EXPECT_EQ(record.sha1, sha1_of_file(repo / "net.so"));
  EXPECT_EQ(read_file(run / "plugins/model/src/net.cpp"), read_file(repo / "net.cpp"));
  EXPECT_EQ(read_file(run / "plugins/model/src/layers/a.hpp"), "// a\n");
  ASSERT_TRUE(record.git);
  EXPECT_EQ(record.git->commit.size(), 40u);
  EXPECT_TRUE(record.git->dirty);
  EXPECT_NE(read_file(run / "plugins/model/git.diff").find("+// changed"), std::string::npos);
}

// A local header outside the source's folder used to be saved flat (beside the source), so a
// rebuild from the saved source failed to find "../common/util.hpp".
TEST(Snapshot, HeadersOutsideTheSourcesFolderKeepTheirPlaceAndTheSavedSourceCompiles) {
  testing::TempDir tree, run;
  testing::write_text(tree / "net/net.cpp", R"(#include <forge/plugin.hpp>
#include "../common/util.hpp"
namespace { std::vector<forge::FlagSpec> flags() { return {forge::integer_flag("width", WIDTH, "")}; } }
int load() { return 0; }
FORGE_PLUGIN_IDENTITY(data, flags)
FORGE_PLUGIN_LOAD(load)
)");
  testing::write_text(tree / "common/util.hpp", "#define WIDTH 3\n");
  testing::write_text(tree / "net/net.so", "binary");
  PluginRecord record = snapshot_plugin(
      run.path(), {"data", "net.cpp", tree / "net/net.so", tree / "net/net.cpp", {tree / "common/util.hpp"}});
  EXPECT_EQ(record.source, "net/net.cpp");
  EXPECT_EQ(record.sources, std::vector<std::string>{"common/util.hpp"});
  EXPECT_EQ(read_file(run / "plugins/data/src/common/util.hpp"), "#define WIDTH 3\n");
  boost::filesystem::remove_all(tree.path());
  CompiledPlugin rebuilt = compile_plugin(run / "plugins/data/src/net/net.cpp");
  EXPECT_TRUE(boost::filesystem::exists(rebuilt.library));
}

TEST(Snapshot, LibraryWithoutSourceOutsideGit) {
  testing::TempDir dir, run;
  testing::write_text(dir / "lib.so", "binary");
  auto record = snapshot_plugin(run.path(), {"data", "lib.so", dir / "lib.so", "", {}});
  EXPECT_EQ(record.source, "");
  EXPECT_FALSE(record.git);
  EXPECT_TRUE(boost::filesystem::exists(run / "plugins/data/lib.so"));
}

}  // namespace forge
