// Checkpoints written alongside training (--async_checkpoint, the default): stopped in the
// middle of a background write by kill -9 or SIGTERM, or failing on a full disk, a run keeps
// its newest complete checkpoint and resumes bit-exactly — through the forge binary.
#include "core/atomic_file.hpp"
#include "e2e/reference_run.hpp"
#include "runs/manifest.hpp"
#include "runs/metrics_csv.hpp"
#include "train/checkpoint.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <csignal>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using testing::run_forge;

// 8 steps of an MLP wide enough that each checkpoint (41 MB with Adam's state) takes a while to
// write, checkpointed at every step.
std::vector<std::string> wide_run(const std::string& run_name, std::vector<std::string> more = {}) {
  std::vector<std::string> args{"train",     "--data",
                                "synthetic", "--model",
                                "mlp",       "--n_hidden",
                                "50000",     "--samples",
                                "256",       "--batch_size",
                                "32",        "--epochs",
                                "1",         "--seed",
                                "0",         "--checkpoint_every",
                                "1",         "--keep_checkpoints",
                                "2",         "--run_name",
                                run_name};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Whether a checkpoint is being written into the run right now: its temporary file exists.
bool writing_a_checkpoint(const std::string& run) {
  if (!fs::is_directory(run + "/checkpoints")) return false;
  for (const auto& entry : fs::directory_iterator(run + "/checkpoints"))
    if (entry.path().filename().string().find(".ckpt.tmp.") != std::string::npos) return true;
  return false;
}

void expect_every_checkpoint_intact(const std::string& run) {
  for (int64_t step : list_checkpoints(run)) EXPECT_NO_THROW(read_checkpoint_file(checkpoint_path(run, step))) << step;
}

class AsyncCheckpoint : public testing::WithReferenceRun {
 protected:
  static void SetUpTestSuite() { train_reference(wide_run("straight")); }
};

TEST_F(AsyncCheckpoint, WritesTheSameStateAsSynchronousCheckpoints) {
  auto sync = run_forge(wide_run("sync", {"--async_checkpoint", "false"}), dir_->path());
  ASSERT_EQ(sync.exit_status, 0) << sync.output;
  const std::string run = *dir_ / "checkpoints/sync/1";
  EXPECT_EQ(list_checkpoints(run), list_checkpoints(straight()));
  EXPECT_EQ(first_difference(testing::run_state(run), testing::run_state(straight())), "");
  EXPECT_NE(sync.output.find("training waited"), std::string::npos) << sync.output;
}

TEST_F(AsyncCheckpoint, KillNineDuringABackgroundWriteKeepsTheCheckpointBeforeAndResumesExactly) {
  const std::string run = *dir_ / "checkpoints/killed/1";
  int pid = testing::spawn_forge(wide_run("killed"), dir_->path(), *dir_ / "killed.log");
  ASSERT_TRUE(testing::wait_until([&] { return list_checkpoints(run).size() >= 1 && writing_a_checkpoint(run); }, 300))
      << read_file(*dir_ / "killed.log");
  ::kill(pid, SIGKILL);
  testing::wait_for_exit(pid);
  ASSERT_FALSE(list_checkpoints(run).empty());
  expect_every_checkpoint_intact(run);
  auto resumed = run_forge({"resume", run}, dir_->path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_EQ(first_difference(testing::run_state(run), testing::run_state(straight())), "");
  EXPECT_FALSE(writing_a_checkpoint(run)) << "the killed write's temporary file is cleared";
}

TEST_F(AsyncCheckpoint, SigtermDuringABackgroundWriteWaitsForItAndSavesTheStep) {
  const std::string run = *dir_ / "checkpoints/term/1";
  int pid = testing::spawn_forge(wide_run("term"), dir_->path(), *dir_ / "term.log");
  ASSERT_TRUE(testing::wait_until([&] { return list_checkpoints(run).size() >= 1 && writing_a_checkpoint(run); }, 300));
  ::kill(pid, SIGTERM);
  const int code = testing::wait_for_exit(pid);
  const std::string log = read_file(*dir_ / "term.log");
  if (code == 0) GTEST_SKIP() << "the run ended before the signal";
  ASSERT_EQ(code, 143) << log;
  EXPECT_FALSE(writing_a_checkpoint(run)) << "no write left half done";
  expect_every_checkpoint_intact(run);
  // The step it stopped at is checkpointed and recorded, after the write that was in flight.
  const int64_t newest = list_checkpoints(run).back();
  EXPECT_EQ(read_json(run + "/manifest.json")["progress"]["step"], newest);
  auto resumed = run_forge({"resume", run}, dir_->path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("from step " + std::to_string(newest)), std::string::npos) << resumed.output;
  EXPECT_EQ(first_difference(testing::run_state(run), testing::run_state(straight())), "");
}

TEST_F(AsyncCheckpoint, ABackgroundWriteOnAFullDiskFailsTheRunInOneLine) {
  testing::TmpfsMount disk(64);  // room for the run and one checkpoint, not for two
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  const std::string run = disk / "full/1";
  auto result = run_forge(wide_run("full", {"--checkpoint_dir", disk.path()}), dir_->path());
  EXPECT_EQ(result.exit_status, 1) << result.output;
  const std::string last = testing::last_line(result.output);
  EXPECT_EQ(last.rfind("forge: error: training failed: cannot write", 0), 0u) << result.output;
  EXPECT_NE(last.find("No space left on device"), std::string::npos) << last;
  EXPECT_EQ(testing::run_status(run), "failed");
  EXPECT_FALSE(writing_a_checkpoint(run));
  ASSERT_FALSE(list_checkpoints(run).empty());
  expect_every_checkpoint_intact(run);
}

// Checkpoints at epoch ends only, the first on a disk too small for it: the failure is logged
// when it happens and the run stops a step later, not after training the whole next epoch.
TEST_F(AsyncCheckpoint, ABackgroundWriteThatFailsStopsTheRunAtTheNextStep) {
  testing::TmpfsMount disk(24);  // room for the run, not for one checkpoint
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  std::vector<std::string> args = wide_run("late", {"--checkpoint_dir", disk.path()});
  *(std::find(args.begin(), args.end(), "--checkpoint_every") + 1) = "0";
  *(std::find(args.begin(), args.end(), "--epochs") + 1) = "3";
  auto result = run_forge(args, dir_->path());
  EXPECT_EQ(result.exit_status, 1) << result.output;
  EXPECT_NE(result.output.find("failed: cannot write"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("the run stops at its next step"), std::string::npos) << result.output;
  EXPECT_NE(testing::last_line(result.output).find("No space left on device"), std::string::npos) << result.output;
  const std::string run = disk / "late/1";
  EXPECT_EQ(testing::run_status(run), "failed");
  for (const auto& row : read_metrics(run))
    EXPECT_LT(row.epoch, 2) << "epoch 2 was trained after epoch 1's checkpoint had failed: " << row.name;
}

}  // namespace
}  // namespace forge
