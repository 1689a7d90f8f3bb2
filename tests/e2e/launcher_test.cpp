// `forge` is a torch-free launcher: help, --version and a cached compile never load libtorch,
// and the training commands run in forge-engine, which it execs.
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

// Runs forge with the dynamic loader reporting every library it opens (LD_DEBUG, on stderr).
ProcessResult run_forge_tracing_libraries(const std::vector<std::string>& args, const std::string& cwd) {
  std::vector<std::string> argv{"env", "LD_DEBUG=files", "XDG_CACHE_HOME=" + testing::plugin_cache_dir_for_tests(),
                                testing::forge_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, cwd);
}

// LD_DEBUG=files names each library it opens as "file=NAME".
bool loaded_libtorch(const std::string& trace) {
  return trace.find("file=libtorch") != std::string::npos || trace.find("file=libc10") != std::string::npos;
}

TEST(Launcher, HelpVersionAndACachedCompileNeverLoadLibtorch) {
  testing::TempDir work;
  std::string source = testing::source_dir() + "/tests/data/plugins/tiny_net.cpp";
  ASSERT_EQ(testing::run_forge({"compile", source}, work.path()).exit_status, 0);

  for (const auto& args : std::vector<std::vector<std::string>>{{"--version"}, {"--help"}, {"compile", source}}) {
    ProcessResult traced = run_forge_tracing_libraries(args, work.path());
    EXPECT_EQ(traced.exit_status, 0) << traced.output;
    EXPECT_FALSE(loaded_libtorch(traced.output)) << args[0];
  }
  // The check sees libtorch where it is loaded: a training command runs in forge-engine.
  ProcessResult engine = run_forge_tracing_libraries({"eval", work / "no_such_run"}, work.path());
  EXPECT_EQ(engine.exit_status, 5) << engine.output;
  EXPECT_TRUE(loaded_libtorch(engine.output));
}

TEST(Launcher, WithoutItsEngineATrainingCommandSaysWhatIsMissing) {
  testing::TempDir prefix;
  fs::create_directories(prefix / "bin");
  fs::copy_file(testing::forge_binary(), prefix / "bin/forge");
  fs::permissions(prefix / "bin/forge", fs::owner_all);

  ProcessResult version = run_process({prefix / "bin/forge", "--version"}, prefix.path());
  EXPECT_EQ(version.exit_status, 0) << version.output;
  ProcessResult train =
      run_process({prefix / "bin/forge", "train", "--data", "synthetic", "--model", "mlp"}, prefix.path());
  EXPECT_EQ(train.exit_status, 1) << train.output;
  EXPECT_NE(train.output.find("forge: error: forge-engine"), std::string::npos) << train.output;
  EXPECT_NE(train.output.find("reinstall forge"), std::string::npos) << train.output;
  EXPECT_EQ(train.output.find('\n'), train.output.size() - 1) << "one line: " << train.output;
}

}  // namespace
}  // namespace forge
