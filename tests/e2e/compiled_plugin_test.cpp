// A user's plugins given as C++ sources: forge compiles them (once), snapshots them with
// their local headers, and the run resumes and evaluates after the sources are gone.
#include "core/atomic_file.hpp"
#include "tensorboard_reader.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

TEST(CompiledPlugins, TrainDeleteSourcesResumeEval) {
  testing::TempDir work;
  testing::TempDir sources;
  std::string plugins = testing::source_dir() + "/tests/data/plugins/";
  fs::copy_file(plugins + "tiny_net.cpp", sources / "tiny_net.cpp");
  fs::copy_file(plugins + "tiny_net_layers.hpp", sources / "tiny_net_layers.hpp");
  fs::copy_file(testing::source_dir() + "/plugins/synthetic.cpp", sources / "blobs.cpp");

  std::vector<std::string> train{"train",
                                 "--data",
                                 sources / "blobs.cpp",
                                 "--model",
                                 sources / "tiny_net.cpp",
                                 "--epochs",
                                 "2",
                                 "--samples",
                                 "128",
                                 "--width",
                                 "6",
                                 "--run_name",
                                 "mine"};
  auto first = testing::run_forge(train, work.path());
  ASSERT_EQ(first.exit_status, 0) << first.output;
  // A second run with unchanged sources compiles nothing.
  auto second = testing::run_forge(train, work.path());
  ASSERT_EQ(second.exit_status, 0) << second.output;
  EXPECT_EQ(second.output.find("compiled in"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("model plugin " + sources / "tiny_net.cpp" + ": cached build"), std::string::npos);

  std::string run = work / "checkpoints/mine/1";
  EXPECT_EQ(read_file(run + "/plugins/model/src/tiny_net_layers.hpp"), read_file(plugins + "tiny_net_layers.hpp"));
  // The plugin's own scalar, from its steps and its evaluation, reaches both sinks.
  auto scalars = testing::tensorboard_scalars(run);
  EXPECT_FALSE(scalars["train/weight_norm"].empty());
  EXPECT_FALSE(scalars["train_epoch/weight_norm"].empty());
  EXPECT_FALSE(scalars["test/weight_norm"].empty());
  EXPECT_NE(read_file(run + "/metrics.csv").find(",test,weight_norm,"), std::string::npos);
  EXPECT_TRUE(fs::exists(run + "/plugins/data/src/blobs.cpp"));

  fs::remove_all(sources.path());
  auto resumed = testing::run_forge({"resume", run, "--epochs", "3"}, work.path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  auto evaluated = testing::run_forge({"eval", run}, work.path());
  ASSERT_EQ(evaluated.exit_status, 0) << evaluated.output;
  EXPECT_NE(evaluated.output.find("(checkpoint step 12, epoch 3)"), std::string::npos) << evaluated.output;
}

TEST(CompiledPlugins, CompileCommandPrintsTheCachedLibrary) {
  std::string source = testing::source_dir() + "/tests/data/plugins/tiny_net.cpp";
  testing::TempDir work;
  auto first = testing::run_forge({"compile", source}, work.path());
  ASSERT_EQ(first.exit_status, 0) << first.output;
  std::string library = testing::last_line(first.output);
  EXPECT_TRUE(fs::is_regular_file(library)) << library;
  EXPECT_EQ(library.rfind(testing::plugin_cache_dir_for_tests() + "/forge/plugins/", 0), 0u);
  EXPECT_EQ(testing::last_line(testing::run_forge({"compile", source}, work.path()).output), library);
}

}  // namespace
}  // namespace forge
