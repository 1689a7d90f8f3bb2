// The run lifecycle in process: a new run's folder claimed, locked and recorded; a saved run
// taken up again. (The end-to-end tests go through the forge binary.)
#include "app/run_lifecycle.hpp"

#include "app/run_flags.hpp"
#include "app/train_flags.hpp"
#include "core/atomic_file.hpp"
#include "metrics/metrics_log.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_files.hpp"
#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

class RunLifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_text(plugins_ / "data.so", "data library");
    testing::write_text(plugins_ / "model.so", "model library");
  }

  Flags flags(const std::vector<std::string>& args) const { return set_.parse(args); }

  NewRun new_run(const Flags& flags, const std::string& run_dir_given = "") const {
    return {run_dir_given,
            set_,
            flags,
            {"data", "data", plugins_ / "data.so", "", {}},
            {"model", "model", plugins_ / "model.so", "", {}},
            {"forge", "train"},
            2,
            3,
            "cpu",
            true,
            nullptr};
  }

  testing::TempDir dir_, plugins_;
  FlagSet set_ = forge_flag_set();
};

TEST_F(RunLifecycle, StartRunClaimsLocksAndRecordsTheRun) {
  Flags given = flags({"--checkpoint_dir", dir_.path(), "--run_name", "exp", "--seed", "3"});
  OpenRun first = start_run(new_run(given));
  OpenRun second = start_run(new_run(given));
  EXPECT_EQ(first.dir, dir_ / "exp/1");
  EXPECT_EQ(second.dir, dir_ / "exp/2");
  ASSERT_TRUE(first.lock);
  EXPECT_THROW(RunLock{first.dir}, Error) << "the run is locked while it is open";
  EXPECT_EQ(read_saved_flags(first.dir).integer("seed"), 3);
  const Manifest manifest = read_manifest(first.dir);
  EXPECT_EQ(manifest.status, "running");
  EXPECT_EQ(manifest.threads, 2);
  EXPECT_EQ(manifest.workers, 3);
  ASSERT_TRUE(manifest.seed);
  EXPECT_TRUE(manifest.seed->drawn);
  EXPECT_EQ(manifest.plugins.at("model").library, "plugins/model/model.so");
  EXPECT_EQ(read_file(first.dir + "/plugins/model/model.so"), "model library");
  EXPECT_TRUE(fs::exists(log_file(first.dir)));
}

TEST_F(RunLifecycle, RunDirMayHoldOnlyWhatAFailedStartLeft) {
  testing::write_text(dir_ / "job/log.txt", "a start that died before its manifest\n");
  OpenRun open = start_run(new_run(flags({}), dir_ / "job"));
  EXPECT_EQ(open.dir, dir_ / "job");
  EXPECT_TRUE(fs::exists(manifest_file(open.dir)));
  testing::write_text(dir_ / "other/notes.txt", "not a run\n");
  EXPECT_THROW(start_run(new_run(flags({}), dir_ / "other")), Error);
  EXPECT_EQ(read_file(dir_ / "other/notes.txt"), "not a run\n");
}

TEST_F(RunLifecycle, ReopenRunDropsWhatTheResumeRedoesAndRecordsTheResume) {
  Flags given = flags({"--checkpoint_dir", dir_.path(), "--run_name", "exp"});
  std::string run_dir;
  {
    OpenRun open = start_run(new_run(given));
    run_dir = open.dir;
    CsvMetricWriter(metrics_file(run_dir), metrics_csv_header).write(10, 1, "train", {{"loss", 1}});
    CsvMetricWriter(metrics_file(run_dir), metrics_csv_header).write(20, 2, "train", {{"loss", 0.5}});
    testing::write_text(run_dir + "/checkpoints/step-00000020.ckpt.tmp.999", "torn");
    record_status(run_dir, "interrupted", "SIGTERM");
  }
  SavedRun saved{run_dir, read_manifest(run_dir), read_saved_flags(run_dir), {}, {}};
  reopen_run({saved, set_, given, {"forge", "resume", run_dir}, 1, 4, 10, {"--lr"}, "cpu", 1});
  const Manifest manifest = read_manifest(run_dir);
  EXPECT_EQ(manifest.status, "running");
  EXPECT_EQ(manifest.ended, "");
  ASSERT_EQ(manifest.resumes.size(), 1u);
  EXPECT_EQ(manifest.resumes[0].from_step, 10);
  EXPECT_EQ(manifest.resumes[0].workers, 4);
  EXPECT_EQ(manifest.resumes[0].forced, std::vector<std::string>{"--lr"});
  EXPECT_FALSE(fs::exists(run_dir + "/checkpoints/step-00000020.ckpt.tmp.999"));
  EXPECT_EQ(read_metrics(run_dir).size(), 1u) << "the row of step 20 belongs to work the resume redoes";
}

}  // namespace
}  // namespace forge
