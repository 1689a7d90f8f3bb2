// Stop anywhere, lose nothing: kill -9 and SIGTERM at many points, failed saves, locks,
// changed flags and libraries, and check-resume — each through the forge binary.
#include "core/atomic_file.hpp"
#include "core/json_file.hpp"
#include "e2e/reference_run.hpp"
#include "runs/manifest.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_lock.hpp"
#include "tensorboard_reader.hpp"
#include "train/checkpoint.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using testing::run_forge;

// 2 epochs of 64 steps of a tiny CNN (dropout, batch norm) on synthetic images.
std::vector<std::string> cnn_run(const std::string& run_name, std::vector<std::string> more = {},
                                 const std::string& epochs = "2") {
  std::vector<std::string> args{
      "train", "--data",   "synthetic", "--model", "cnn", "--channels",  "4",  "--samples",  "512",   "--batch_size",
      "8",     "--epochs", epochs,      "--seed",  "0",   "--log_every", "10", "--run_name", run_name};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

class ResumeSafety : public testing::WithReferenceRun {
 protected:
  static void SetUpTestSuite() { train_reference(cnn_run("straight")); }
};

TEST_F(ResumeSafety, KillNineJustAfterCheckpointsThenResumeIsBitwiseExact) {
  auto reference = testing::run_state(straight());
  int tried = 0, matched = 0;
  for (int64_t k : {3, 40, 64, 90, 120}) {
    std::string name = "kill" + std::to_string(k), run = *dir_ / ("checkpoints/" + name + "/1");
    int pid = testing::spawn_forge(cnn_run(name, {"--checkpoint_every", "1", "--keep_checkpoints", "0"}), dir_->path(),
                                   *dir_ / (name + ".log"));
    ASSERT_TRUE(testing::wait_until([&] { return fs::exists(checkpoint_path(run, k)); }));
    ::kill(pid, SIGKILL);
    testing::wait_for_exit(pid);
    if (k == 3) {  // looking at the run is enough to find it crashed
      auto evaluated = run_forge({"eval", run}, dir_->path());
      EXPECT_EQ(evaluated.exit_status, 0) << evaluated.output;
      EXPECT_EQ(read_json(run + "/manifest.json")["status"], "crashed");
    }
    auto resumed = run_forge({"resume", run}, dir_->path());
    ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
    if (k != 3)
      EXPECT_NE(resumed.output.find("was left running by a process that died"), std::string::npos) << resumed.output;
    ++tried;
    if (first_difference(testing::run_state(run), reference).empty())
      ++matched;
    else
      ADD_FAILURE() << "kill -9 after step " << k << ": resumed run differs";
    // Rows the killed process wrote past its last checkpoint are dropped from both sinks.
    EXPECT_EQ(testing::tensorboard_curves(run), testing::tensorboard_curves(straight())) << "after kill -9 at " << k;
  }
  std::printf("kill -9 points tried: %d, bitwise identical after resume: %d\n", tried, matched);
}

TEST_F(ResumeSafety, SigtermAtRandomMomentsThenResumeIsBitwiseExact) {
  auto reference = testing::run_state(straight());
  std::mt19937 random(std::random_device{}());
  for (int attempt = 0; attempt < 3; ++attempt) {
    int delay_ms = std::uniform_int_distribution<int>(200, 2000)(random);
    std::string name = "term" + std::to_string(attempt), run = *dir_ / ("checkpoints/" + name + "/1");
    int pid = testing::spawn_forge(cnn_run(name), dir_->path(), *dir_ / (name + ".log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGTERM);
    int code = testing::wait_for_exit(pid);
    SCOPED_TRACE("SIGTERM after " + std::to_string(delay_ms) + " ms, exit " + std::to_string(code));
    // Before the run folder exists SIGTERM simply ends forge: there is nothing to save yet.
    if (!fs::exists(run + "/manifest.json")) continue;
    if (code == 143) {
      EXPECT_EQ(read_json(run + "/manifest.json")["status"], "interrupted");
      auto resumed = run_forge({"resume", run}, dir_->path());
      ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
    } else {
      ASSERT_EQ(code, 0) << read_file(*dir_ / (name + ".log"));  // it finished first
    }
    EXPECT_EQ(first_difference(testing::run_state(run), reference), "");
  }
}

TEST_F(ResumeSafety, FailedSaveKeepsThePreviousCheckpointAndRecordsFailure) {
  ASSERT_EQ(run_forge({"train", "--data", "synthetic", "--model", "mlp", "--samples", "64", "--epochs", "1",
                       "--run_name", "full"},
                      dir_->path())
                .exit_status,
            0);
  std::string run = *dir_ / "checkpoints/full/1";
  std::string before = read_file(checkpoint_path(run, 2));
  // A file size limit below a checkpoint's size: the next save fails with EFBIG.
  auto result =
      run_process({"bash", "-c", "ulimit -f 40 && exec \"$0\" resume \"$1\" --epochs 2", testing::forge_binary(), run});
  EXPECT_EQ(result.exit_status, 1) << result.output;
  EXPECT_NE(testing::last_line(result.output).find("forge: error: training failed: cannot write"), std::string::npos)
      << result.output;
  json manifest = read_json(run + "/manifest.json");
  EXPECT_EQ(manifest["status"], "failed");
  EXPECT_NE(manifest["reason"].get<std::string>().find("File too large"), std::string::npos);
  EXPECT_EQ(read_file(checkpoint_path(run, 2)), before);
  EXPECT_EQ(list_checkpoints(run), std::vector<int64_t>{2});
  EXPECT_EQ(run_forge({"eval", run}, dir_->path()).exit_status, 0);
}

TEST_F(ResumeSafety, ASecondResumeOfARunBeingTrainedIsRefused) {
  std::string run = *dir_ / "checkpoints/busy/1";
  ASSERT_EQ(run_forge(cnn_run("busy", {"--stop_after_steps", "2"}), dir_->path()).exit_status, 0);
  int pid = testing::spawn_forge({"resume", run, "--epochs", "50"}, dir_->path(), *dir_ / "busy.log");
  ASSERT_TRUE(testing::wait_until([&] { return is_run_locked(run); }));
  auto second = run_forge({"resume", run}, dir_->path());
  EXPECT_EQ(second.exit_status, 5) << second.output;
  EXPECT_NE(testing::last_line(second.output).find("is being trained by another process (pid"), std::string::npos)
      << second.output;
  ::kill(pid, SIGINT);
  EXPECT_EQ(testing::wait_for_exit(pid), 130);
  EXPECT_FALSE(is_run_locked(run));
}

TEST_F(ResumeSafety, ExactnessBreakingChangesNeedForceAndAreRecorded) {
  ASSERT_EQ(run_forge(cnn_run("changed", {"--stop_after_steps", "3"}), dir_->path()).exit_status, 0);
  std::string run = *dir_ / "checkpoints/changed/1";
  std::string before = testing::tree_digest(run);
  auto refused = run_forge({"resume", run, "--batch_size", "16"}, dir_->path());
  EXPECT_EQ(refused.exit_status, 2) << refused.output;
  EXPECT_NE(testing::last_line(refused.output).find("--batch_size: 8 (saved) -> 16 (now)"), std::string::npos);
  EXPECT_EQ(testing::tree_digest(run), before);

  // A saved library that changed since the run was recorded is refused too.
  std::string library = read_file(run + "/plugins/model/cnn.so");
  write_file_atomically(run + "/plugins/model/cnn.so", library + std::string(16, '\0'));
  auto changed = run_forge({"resume", run, "--stop_after_steps", "6"}, dir_->path());
  EXPECT_EQ(changed.exit_status, 2) << changed.output;
  EXPECT_NE(testing::last_line(changed.output).find("changed since the run was recorded"), std::string::npos);

  auto forced = run_forge({"resume", run, "--batch_size", "16", "--force"}, dir_->path());
  ASSERT_EQ(forced.exit_status, 0) << forced.output;
  json manifest = read_json(run + "/manifest.json");
  EXPECT_EQ(manifest["resumes"].back()["forced"].size(), 2u) << manifest.dump(2);
  EXPECT_EQ(read_json(run + "/flags.json")["batch_size"], 16);
  EXPECT_EQ(read_json(run + "/flags.json")["force"], false);
}

// Forced onto another optimizer, a resume cannot take the checkpoint's optimizer state: one
// line naming both kinds, the run's checkpoint left as it was.
TEST_F(ResumeSafety, AForcedResumeWithAnotherOptimizerIsRefusedInOneLine) {
  ASSERT_EQ(run_forge(cnn_run("other_optimizer", {"--stop_after_steps", "3"}), dir_->path()).exit_status, 0);
  const std::string run = *dir_ / "checkpoints/other_optimizer/1";
  const std::string before = read_file(checkpoint_path(run, 3));
  auto refused = run_forge({"resume", run, "--optimizer", "sgd", "--force"}, dir_->path());
  EXPECT_EQ(refused.exit_status, 5) << refused.output;
  EXPECT_NE(testing::last_line(refused.output)
                .find("does not fit this run: its optimizer state is adam's, and this "
                      "run's optimizer is sgd"),
            std::string::npos)
      << refused.output;
  EXPECT_EQ(read_file(checkpoint_path(run, 3)), before);
}

TEST_F(ResumeSafety, TrainWithRunDirStartsOrResumes) {
  // --lr 1e-3 and --noise .50 are saved as 0.001 and 0.5: the requeued job's same command is no change.
  std::vector<std::string> job{"train", "--run_dir", "job",     "--data", "synthetic", "--model", "mlp",
                               "--lr",  "1e-3",      "--noise", ".50",    "--samples", "64",      "--stop_after_steps",
                               "1"};
  auto first = run_forge(job, dir_->path());
  ASSERT_EQ(first.exit_status, 0) << first.output;
  EXPECT_EQ(read_json(*dir_ / "job/manifest.json")["status"], "interrupted");
  job.back() = "0";  // the requeued job runs to the end
  auto second = run_forge(job, dir_->path());
  ASSERT_EQ(second.exit_status, 0) << second.output;
  EXPECT_NE(second.output.find("resuming job from step 1"), std::string::npos) << second.output;
  EXPECT_EQ(read_json(*dir_ / "job/manifest.json")["status"], "completed");
  testing::write_text(*dir_ / "notarun/file.txt", "x");
  auto refused = run_forge({"train", "--run_dir", "notarun", "--data", "synthetic", "--model", "mlp"}, dir_->path());
  EXPECT_EQ(refused.exit_status, 5);
}

TEST_F(ResumeSafety, CheckpointEveryKeepAndSigusr1) {
  auto every = run_forge({"train", "--data", "synthetic", "--model", "mlp", "--samples", "320", "--batch_size", "32",
                          "--epochs", "2", "--checkpoint_every", "3", "--keep_checkpoints", "0", "--run_name", "every"},
                         dir_->path());
  ASSERT_EQ(every.exit_status, 0) << every.output;
  EXPECT_EQ(list_checkpoints(*dir_ / "checkpoints/every/1"), (std::vector<int64_t>{3, 6, 9, 10, 12, 15, 18, 20}));
  auto kept = run_forge({"train", "--data", "synthetic", "--model", "mlp", "--samples", "64", "--epochs", "4",
                         "--keep_checkpoints", "2", "--run_name", "kept"},
                        dir_->path());
  ASSERT_EQ(kept.exit_status, 0);
  EXPECT_EQ(list_checkpoints(*dir_ / "checkpoints/kept/1"), (std::vector<int64_t>{6, 8}));

  std::string run = *dir_ / "checkpoints/usr1/1";
  int pid = testing::spawn_forge(cnn_run("usr1", {"--keep_checkpoints", "0"}, "50"), dir_->path(), *dir_ / "usr1.log");
  ASSERT_TRUE(testing::wait_until([&] { return fs::exists(run + "/manifest.json") && is_run_locked(run); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(pid, SIGUSR1);
  // The checkpoint lands at the step training is at (which may also end an epoch).
  int64_t step = -1;
  auto answered = [&] {
    std::string log = read_file(*dir_ / "usr1.log");
    std::smatch said;
    if (!std::regex_search(log, said, std::regex("SIGUSR1: checkpoint at step (\\d+)"))) return false;
    step = std::stoll(said[1]);
    return true;
  };
  EXPECT_TRUE(testing::wait_until(answered, 60)) << "SIGUSR1 was not answered";
  EXPECT_TRUE(testing::wait_until([&] { return fs::exists(checkpoint_path(run, step)); }, 60))
      << "no checkpoint at " << step;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(::kill(pid, 0), 0) << "SIGUSR1 must not stop training";
  ::kill(pid, SIGINT);
  EXPECT_EQ(testing::wait_for_exit(pid), 130);
}

TEST_F(ResumeSafety, KeepBestKeepsTheBestCheckpointAcrossResumes) {
  // The training loss falls epoch after epoch here, so "train/loss:max" is epoch 1's checkpoint.
  std::vector<std::string> args{"train",     "--data",      "synthetic",      "--model",    "mlp",
                                "--samples", "64",          "--epochs",       "3",          "--keep_checkpoints",
                                "1",         "--keep_best", "train/loss:max", "--run_name", "best"};
  ASSERT_EQ(run_forge(args, dir_->path()).exit_status, 0);
  std::string run = *dir_ / "checkpoints/best/1";
  EXPECT_EQ(list_checkpoints(run), (std::vector<int64_t>{2, 6}));
  ASSERT_EQ(run_forge({"resume", run, "--epochs", "5"}, dir_->path()).exit_status, 0);
  EXPECT_EQ(list_checkpoints(run), (std::vector<int64_t>{2, 10}));

  args.back() = "badbest";
  args[12] = "test/accuracy";
  auto malformed = run_forge(args, dir_->path());
  EXPECT_EQ(malformed.exit_status, 2);
  EXPECT_NE(testing::last_line(malformed.output).find("say whether to min or max it"), std::string::npos);
  args[12] = "train/acuracy:max";
  auto unknown = run_forge(args, dir_->path());
  EXPECT_EQ(unknown.exit_status, 1);
  EXPECT_NE(testing::last_line(unknown.output).find("train reports only: accuracy, loss"), std::string::npos)
      << unknown.output;
}

// The rows of `split` in a run's metrics.csv.
int rows_of(const std::string& run, const std::string& split) {
  std::istringstream csv(read_file(run + "/metrics.csv"));
  int rows = 0;
  for (std::string line; std::getline(csv, line);)
    if (line.find("," + split + ",") != std::string::npos) ++rows;
  return rows;
}

// A run stopped after its last step but before its final test evaluation used to be marked
// completed by resume without ever evaluating test: its test metrics were lost for good.
TEST_F(ResumeSafety, AStopBeforeTheFinalEvaluationIsEvaluatedOnResume) {
  std::vector<std::string> args{"train",    "--data", "synthetic",          "--model", "mlp",        "--samples",  "64",
                                "--epochs", "2",      "--stop_after_steps", "4",       "--run_name", "unevaluated"};
  ASSERT_EQ(run_forge(args, dir_->path()).exit_status, 0);
  std::string run = *dir_ / "checkpoints/unevaluated/1";
  EXPECT_EQ(testing::run_status(run), "interrupted");
  EXPECT_EQ(rows_of(run, "test"), 0);
  auto listed = run_forge({"runs", "checkpoints/unevaluated"}, dir_->path());
  EXPECT_NE(listed.output.find("2/2, not evaluated"), std::string::npos) << listed.output;

  auto resumed = run_forge({"resume", run}, dir_->path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_NE(read_file(run + "/metrics.csv").find("\n4,2,test,accuracy,"), std::string::npos);
  const int test_rows = rows_of(run, "test");
  EXPECT_GT(test_rows, 0);
  json manifest = read_json(run + "/manifest.json");
  EXPECT_EQ(manifest["status"], "completed");
  EXPECT_EQ(manifest["evaluated_step"], 4);
  listed = run_forge({"runs", "checkpoints/unevaluated"}, dir_->path());
  EXPECT_EQ(listed.output.find("not evaluated"), std::string::npos) << listed.output;

  // A completed run resumed again is not evaluated twice.
  ASSERT_EQ(run_forge({"resume", run}, dir_->path()).exit_status, 0);
  EXPECT_EQ(rows_of(run, "test"), test_rows);
}

// The same, stopped by kill -9 while the final test evaluation runs (a large test set keeps
// it busy for a while after the last checkpoint).
TEST_F(ResumeSafety, KillNineDuringTheFinalEvaluationIsEvaluatedOnResume) {
  std::string run = *dir_ / "checkpoints/killed_eval/1";
  int pid = testing::spawn_forge({"train", "--data", "synthetic", "--model", "cnn", "--samples", "60000", "--max_steps",
                                  "1", "--run_name", "killed_eval"},
                                 dir_->path(), *dir_ / "killed_eval.log");
  ASSERT_TRUE(testing::wait_until([&] { return fs::exists(checkpoint_path(run, 1)); }));
  ::kill(pid, SIGKILL);
  testing::wait_for_exit(pid);
  if (testing::run_status(run) == "completed") GTEST_SKIP() << "the evaluation ended before the kill";
  EXPECT_EQ(rows_of(run, "test"), 0);
  auto resumed = run_forge({"resume", run}, dir_->path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_EQ(testing::run_status(run), "completed");
  EXPECT_NE(read_file(run + "/metrics.csv").find("\n1,1,test,accuracy,"), std::string::npos);
}

// A crash in the middle of a metrics.csv write (or a power cut that leaves NUL bytes) used to
// make every later resume fail with "stoll".
TEST_F(ResumeSafety, ATornMetricsTailIsDroppedOnResume) {
  ASSERT_EQ(run_forge({"train", "--data", "synthetic", "--model", "mlp", "--samples", "64", "--epochs", "2",
                       "--stop_after_steps", "2", "--run_name", "torn"},
                      dir_->path())
                .exit_status,
            0);
  std::string run = *dir_ / "checkpoints/torn/1";
  std::ofstream(run + "/metrics.csv", std::ios::app) << std::string(3, '\0') << "\n3,2,tra";
  auto resumed = run_forge({"resume", run}, dir_->path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("dropped 2 torn or unreadable line(s)"), std::string::npos) << resumed.output;
  std::istringstream csv(read_file(run + "/metrics.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "step,epoch,split,name,value,wall_time");
  while (std::getline(csv, line)) EXPECT_EQ(std::count(line.begin(), line.end(), ','), 5) << line;
  EXPECT_EQ(testing::run_status(run), "completed");
}

// With --keep_checkpoints 1 and a corrupt newer checkpoint left behind, pruning used to keep
// the corrupt file and delete the checkpoint just written.
TEST_F(ResumeSafety, PruningNeverDeletesTheNewestIntactCheckpoint) {
  std::vector<std::string> args{"train",     "--data",
                                "synthetic", "--model",
                                "mlp",       "--samples",
                                "64",        "--epochs",
                                "3",         "--checkpoint_every",
                                "1",         "--keep_checkpoints",
                                "1",         "--stop_after_steps",
                                "2",         "--run_name",
                                "pruned"};
  ASSERT_EQ(run_forge(args, dir_->path()).exit_status, 0);
  std::string run = *dir_ / "checkpoints/pruned/1";
  ASSERT_EQ(list_checkpoints(run), std::vector<int64_t>{2});
  testing::write_text(checkpoint_path(run, 5), "FORGECKPT1\n but damaged");
  auto resumed = run_forge({"resume", run, "--stop_after_steps", "3"}, dir_->path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_EQ(list_checkpoints(run), std::vector<int64_t>{3});
  EXPECT_TRUE(fs::exists(checkpoint_path(run, 5) + ".corrupt"));
  auto finished = run_forge({"resume", run}, dir_->path());
  ASSERT_EQ(finished.exit_status, 0) << finished.output;
  EXPECT_NE(finished.output.find("resuming " + run + " from step 3"), std::string::npos) << finished.output;
  EXPECT_EQ(list_checkpoints(run), std::vector<int64_t>{6});
}

// A full disk used to drop metric rows silently, and the run still ended "completed".
TEST_F(ResumeSafety, AFullDiskStopsTheRunNamingTheFileAndResumeCompletesIt) {
  testing::TmpfsMount disk(4);
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  std::string run = disk / "full/1";
  int pid =
      testing::spawn_forge({"train", "--data", "synthetic", "--model", "mlp", "--n_hidden", "4", "--samples", "100000",
                            "--epochs", "2", "--log_every", "1", "--checkpoint_dir", disk.path(), "--run_name", "full"},
                           dir_->path(), *dir_ / "full.log");
  ASSERT_TRUE(testing::wait_until([&] { return testing::text_or_empty(run + "/metrics.csv").size() > 2000; }));
  {
    // Fill what is left of the disk, early in the first epoch: long before its checkpoint.
    std::ofstream filler(disk / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    while (filler.write(block.data(), block.size()) && filler.flush()) {
    }
  }
  const int code = testing::wait_for_exit(pid);
  const std::string log = read_file(*dir_ / "full.log");
  EXPECT_EQ(code, 1) << log;
  const std::string last = testing::last_line(log);
  EXPECT_NE(last.find("No space left on device"), std::string::npos) << log;
  EXPECT_TRUE(last.find("metrics.csv") != std::string::npos || last.find("tfevents") != std::string::npos) << last;
  EXPECT_NE(testing::run_status(run), "completed");
  fs::remove(disk / "filler");
  auto resumed = run_forge({"resume", run}, dir_->path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_EQ(testing::run_status(run), "completed");
  // Every step's train row is there: none went missing.
  std::set<int64_t> steps;
  for (const auto& row : read_metrics(run))
    if (row.split == "train" && row.name == "loss") steps.insert(row.step);
  EXPECT_EQ(steps.size(), 6250u);
}

TEST(CheckResume, BuiltInCnnResumesExactly) {
  testing::TempDir dir;
  auto result = run_forge({"check-resume", "--data", "synthetic", "--model", "cnn", "--channels", "4", "--samples",
                           "256", "--batch_size", "8", "--epochs", "2", "--stop_at", "7"},
                          dir.path());
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("resume is exact: all"), std::string::npos) << result.output;
  auto mlp = run_forge({"check-resume", "--data", "synthetic", "--model", "mlp", "--samples", "256", "--epochs", "2"},
                       dir.path());
  ASSERT_EQ(mlp.exit_status, 0) << mlp.output;
  // A seed of the user's own, in either spelling, is used by both runs, not given twice.
  for (const std::vector<std::string>& seed : {std::vector<std::string>{"--seed", "3"}, {"--seed=3"}}) {
    std::vector<std::string> args{"check-resume", "--data", "synthetic", "--model", "mlp", "--samples", "128"};
    args.insert(args.end(), seed.begin(), seed.end());
    auto seeded = run_forge(args, dir.path());
    EXPECT_EQ(seeded.exit_status, 0) << seeded.output;
    EXPECT_NE(seeded.output.find("resume is exact: all"), std::string::npos) << seeded.output;
  }
  auto refused = run_forge({"check-resume", "--data", "synthetic", "--model", "mlp", "--run_name", "x"}, dir.path());
  EXPECT_EQ(refused.exit_status, 2);
}

// A run saved before a flag existed (its flags.json lacks it: forge's own, or a plugin's, as
// mlp's --n_hidden here) had that flag's default effect: resuming it with the default is no
// difference, while another value still is.
TEST(ResumeOfAnOlderRecord, AFlagTheRunsRecordPredatesComparesAsItsDefault) {
  testing::TempDir dir;
  const std::string run = dir / "run";
  auto trained = testing::run_forge(
      {"train", "--data", "synthetic", "--model", "mlp", "--epochs", "1", "--run_dir", run, "--no_progress"},
      dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  json flags = read_json(run + "/flags.json");
  for (const char* newer : {"precision", "ema_decay", "no_decay_bias_norm", "init_from", "freeze", "n_hidden"})
    flags.erase(newer);
  write_json_atomically(run + "/flags.json", flags);
  auto longer = testing::run_forge({"resume", run, "--epochs", "2"}, dir.path());
  EXPECT_EQ(longer.exit_status, 0) << longer.output;
  auto other = testing::run_forge({"resume", run, "--epochs", "3", "--ema_decay", "0.9"}, dir.path());
  EXPECT_EQ(other.exit_status, 2) << other.output;
  EXPECT_NE(other.output.find("-> 0.9 (now) [breaks exactness]"), std::string::npos) << other.output;
}

}  // namespace
}  // namespace forge
