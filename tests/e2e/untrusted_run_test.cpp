// A run folder from someone else is code, like a pickle: forge loads a run's plugin library
// only when it lies inside the run folder and matches the SHA-1 the run recorded. Otherwise it
// rebuilds the plugin from the run's saved source, or refuses (--force loads it anyway).
#include "core/atomic_file.hpp"
#include "core/build_config.hpp"
#include "runs/manifest.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using testing::run_forge;

class UntrustedRun : public ::testing::Test {
 protected:
  void SetUp() override {
    // A library that leaves a mark the moment it is loaded: what a hostile run could ship.
    testing::write_text(dir_ / "evil.cpp",
                        "#include <fstream>\n__attribute__((constructor)) static void mark() {"
                        " std::ofstream(\"" +
                            marker() + "\") << \"loaded\"; }\n");
    ProcessResult built =
        run_process({build_config().compiler, "-shared", "-fPIC", dir_ / "evil.cpp", "-o", dir_ / "evil.so"});
    ASSERT_EQ(built.exit_status, 0) << built.output;
  }

  std::string marker() const { return dir_ / "loaded.txt"; }

  // A trained run of `model` (a built-in name or a path).
  std::string train(const std::string& name, const std::string& model) {
    auto trained = run_forge(
        {"train", "--data", "synthetic", "--model", model, "--samples", "64", "--epochs", "1", "--run_name", name},
        dir_.path());
    EXPECT_EQ(trained.exit_status, 0) << trained.output;
    return dir_ / ("checkpoints/" + name + "/1");
  }

  testing::TempDir dir_;
};

TEST_F(UntrustedRun, ALibraryOutsideTheRunFolderIsNeverLoaded) {
  const std::string run = train("outside", "mlp");
  Manifest manifest = read_manifest(run);
  manifest.plugins.at("model").library = "../../../evil.so";
  write_manifest(run, manifest);
  auto evaluated = run_forge({"eval", run}, dir_.path());
  EXPECT_EQ(evaluated.exit_status, 0) << evaluated.output;
  EXPECT_NE(evaluated.output.find("lies outside the run folder; rebuilding it from the source saved in the run"),
            std::string::npos)
      << evaluated.output;
  EXPECT_FALSE(fs::exists(marker()));
}

TEST_F(UntrustedRun, AReplacedLibraryIsRebuiltFromTheSavedSourceBeforeAnythingLoadsIt) {
  const std::string run = train("replaced", "mlp");
  copy_file_atomically(dir_ / "evil.so", run + "/plugins/model/mlp.so");
  for (const char* command : {"eval", "export"}) {
    std::vector<std::string> args{command, run};
    if (std::string(command) == "export") args.insert(args.end(), {"-o", dir_ / "weights.pt"});
    auto result = run_forge(args, dir_.path());
    EXPECT_EQ(result.exit_status, 0) << result.output;
    EXPECT_NE(result.output.find("changed since the run was recorded (its SHA-1 differs)"), std::string::npos)
        << result.output;
  }
  auto resumed = run_forge({"resume", run, "--epochs", "2"}, dir_.path());
  EXPECT_EQ(resumed.exit_status, 2) << "a rebuilt plugin does not continue the run exactly";
  EXPECT_FALSE(fs::exists(marker()));
}

TEST_F(UntrustedRun, WithoutASavedSourceItIsRefusedUnlessForced) {
  // A plugin given as a library with no source beside it: the run saves no source.
  fs::create_directories(dir_ / "libs");
  fs::copy_file(testing::build_dir() + "/plugins/mlp.so", dir_ / "libs/mlp.so");
  const std::string run = train("no_source", dir_ / "libs/mlp.so");
  ASSERT_EQ(read_manifest(run).plugins.at("model").source, "");
  const std::string before = testing::tree_digest(run);
  copy_file_atomically(dir_ / "evil.so", run + "/plugins/model/mlp.so");
  const std::string tampered = testing::tree_digest(run);
  for (const std::string command : {"eval", "resume"}) {
    auto refused = run_forge({command, run}, dir_.path());
    EXPECT_EQ(refused.exit_status, 5) << refused.output;
    EXPECT_NE(testing::last_line(refused.output).find("saved no source to rebuild it from; pass --force"),
              std::string::npos)
        << refused.output;
  }
  EXPECT_FALSE(fs::exists(marker()));
  EXPECT_EQ(testing::tree_digest(run), tampered) << "a refusal changes nothing in the run";
  EXPECT_NE(before, tampered);
  auto forced = run_forge({"eval", run, "--force"}, dir_.path());
  EXPECT_NE(forced.exit_status, 0) << "the library is no forge plugin";
  EXPECT_TRUE(fs::exists(marker())) << "--force loads the library the run holds";
}

}  // namespace
}  // namespace forge
