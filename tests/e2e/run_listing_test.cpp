// Seeing what happened across runs: forge runs, forge show and forge diff, on real run folders.
#include "core/atomic_file.hpp"
#include "runs/manifest.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using testing::run_forge;

// The line of `output` that starts with `start` ("" when there is none).
std::string line_starting(const std::string& output, const std::string& start) {
  size_t at = output.rfind("\n" + start, std::string::npos);
  if (at == std::string::npos) return output.rfind(start, 0) == 0 ? output.substr(0, output.find('\n')) : "";
  return output.substr(at + 1, output.find('\n', at + 1) - at - 1);
}

// Three runs of one epoch on synthetic data: two completed (lr 1e-3 and 1e-2), one stopped
// after 3 steps; the second trains from a copy of the data plugin's source with one change.
class RunListing : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    std::string source = read_file(testing::source_dir() + "/plugins/synthetic.cpp");
    testing::write_text(*dir_ / "gen_a.cpp", source);
    testing::write_text(*dir_ / "gen_b.cpp", source + "\n// a change only diff sees\n");
    train({"--data", "gen_a.cpp", "--run_name", "lr/1"});
    train({"--data", "gen_b.cpp", "--run_name", "lr/2", "--lr", "0.01"});
    train({"--data", "synthetic", "--run_name", "cut", "--stop_after_steps", "3"});
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static void train(std::vector<std::string> more) {
    std::vector<std::string> args{"train", "--model", "mlp", "--epochs", "1", "--seed", "1", "--log_every", "4"};
    args.insert(args.end(), more.begin(), more.end());
    auto trained = run_forge(args, dir_->path());
    ASSERT_EQ(trained.exit_status, 0) << trained.output;
  }
  static std::string run(const std::string& name) { return *dir_ / ("checkpoints/" + name + "/1"); }

  static inline testing::TempDir* dir_ = nullptr;
};

TEST_F(RunListing, RunsTablesEveryRunBelowTheFolder) {
  auto listed = run_forge({"runs"}, dir_->path());  // default folder: checkpoints
  ASSERT_EQ(listed.exit_status, 0) << listed.output;
  EXPECT_NE(listed.output.find("RUN"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("lr/1/1"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("lr/2/1"), std::string::npos) << listed.output;
  EXPECT_NE(line_starting(listed.output, "cut/1 ").find(" interrupted  0/1 "), std::string::npos) << listed.output;
  EXPECT_NE(line_starting(listed.output, "lr/1/1 ").find(" completed    1/1 "), std::string::npos) << listed.output;
  EXPECT_LT(listed.output.find("cut/1"), listed.output.find("lr/1/1")) << "natural order by path";

  auto interrupted = run_forge({"runs", "checkpoints", "--status", "interrupted"}, dir_->path());
  EXPECT_NE(interrupted.output.find("cut/1"), std::string::npos) << interrupted.output;
  EXPECT_EQ(interrupted.output.find("lr/1"), std::string::npos) << interrupted.output;
}

TEST_F(RunListing, RunsJsonHasEveryFieldAndSortsDescendingWithAMinus) {
  auto listed = run_forge({"runs", *dir_ / "checkpoints", "--json", "--sort", "-loss"}, dir_->path());
  ASSERT_EQ(listed.exit_status, 0) << listed.output;
  json rows = json::parse(listed.output);
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows) {
    for (const char* field : {"run", "status", "step", "epochs_done", "epochs", "last_train_loss", "best_test_accuracy",
                              "started", "seconds"})
      EXPECT_TRUE(row.contains(field)) << field;
  }
  EXPECT_GE(rows[0]["last_train_loss"].get<double>(), rows[1]["last_train_loss"].get<double>());
  json cut = rows[2];  // no train loss yet (stopped before --log_every): last, also when descending
  EXPECT_EQ(cut["status"], "interrupted");
  EXPECT_EQ(cut["step"], 3);
  EXPECT_EQ(cut["epochs_done"], 0);
  EXPECT_TRUE(cut["best_test_accuracy"].is_null()) << "never evaluated on test";
}

TEST_F(RunListing, ARunLeftRunningByADeadProcessIsListedAsCrashedWithoutTouchingIt) {
  testing::TempDir copy;
  fs::create_directories(copy / "x");
  for (const char* file : {"manifest.json", "flags.json", "metrics.csv"})
    fs::copy_file(run("lr/1") + "/" + file, copy / (std::string("x/") + file));
  json manifest = read_json(copy / "x/manifest.json");
  manifest["status"] = "running";
  write_json_atomically(copy / "x/manifest.json", manifest);
  std::string before = testing::tree_digest(copy.path());
  auto listed = run_forge({"runs", copy.path()}, dir_->path());
  EXPECT_NE(line_starting(listed.output, "x ").find(" crashed "), std::string::npos) << listed.output;
  EXPECT_EQ(testing::tree_digest(copy.path()), before);
}

TEST_F(RunListing, BadRunsOptionsAreUsageErrors) {
  auto bad_sort = run_forge({"runs", "--sort", "acuracy"}, dir_->path());
  EXPECT_EQ(bad_sort.exit_status, 2);
  EXPECT_NE(bad_sort.output.find("did you mean accuracy?"), std::string::npos) << bad_sort.output;
  EXPECT_EQ(run_forge({"runs", "--status", "done"}, dir_->path()).exit_status, 2);
  EXPECT_EQ(run_forge({"runs", "--colour"}, dir_->path()).exit_status, 2);
  auto missing = run_forge({"runs", "no_such_folder"}, dir_->path());
  EXPECT_EQ(missing.exit_status, 5);
  EXPECT_NE(missing.output.find("no_such_folder is not a folder"), std::string::npos) << missing.output;
}

TEST_F(RunListing, ShowPrintsStatusPluginsCheckpointsFlagsAndFinalMetrics) {
  auto shown = run_forge({"show", run("lr/2")}, dir_->path());
  ASSERT_EQ(shown.exit_status, 0) << shown.output;
  for (const char* expected : {"status    completed (trained 1 epochs)", "seed      1", "gen_b.cpp",
                               "checkpoints (1): step 16", "--lr", "0.01", "test/accuracy", "train/loss"})
    EXPECT_NE(shown.output.find(expected), std::string::npos) << expected << "\n" << shown.output;
  EXPECT_EQ(run_forge({"show", dir_->path()}, dir_->path()).exit_status, 5) << "not a run folder";
}

TEST_F(RunListing, DiffShowsDifferingFlagsTheSourceDiffAndMetricsSideBySide) {
  auto diff = run_forge({"diff", run("lr/1"), run("lr/2")}, dir_->path());
  ASSERT_EQ(diff.exit_status, 0) << diff.output;
  EXPECT_NE(diff.output.find("--lr "), std::string::npos) << diff.output;
  EXPECT_NE(diff.output.find("0.01"), std::string::npos) << diff.output;
  EXPECT_EQ(diff.output.find("--epochs "), std::string::npos) << "equal flags are not listed\n" << diff.output;
  EXPECT_NE(diff.output.find("+// a change only diff sees"), std::string::npos) << diff.output;
  EXPECT_NE(diff.output.find("test/accuracy"), std::string::npos) << diff.output;
  EXPECT_EQ(run_forge({"diff", run("lr/1")}, dir_->path()).exit_status, 2);
}

}  // namespace
}  // namespace forge
