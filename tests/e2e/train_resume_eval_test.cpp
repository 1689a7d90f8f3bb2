// The user's day on the built-in plugins: train, interrupt, resume, evaluate — and a resumed
// run ends bitwise identical to one that never stopped.
#include "core/atomic_file.hpp"
#include "e2e/reference_run.hpp"
#include "runs/manifest.hpp"
#include "train/checkpoint.hpp"
#include "train/torch_compat.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <chrono>
#include <csignal>
#include <thread>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using testing::run_forge;

// A tiny CNN (dropout and batch norm: both depend on restored state) on synthetic images.
std::vector<std::string> cnn_run(const std::string& run_name, const std::string& epochs = "4") {
  return {"train",     "--data",      "synthetic",    "--model",    "cnn",      "--channels", "4",
          "--samples", "2048",        "--batch_size", "8",          "--epochs", epochs,       "--seed",
          "0",         "--log_every", "1000",         "--run_name", run_name};
}

class TrainResumeEval : public testing::WithReferenceRun {
 protected:
  static void SetUpTestSuite() { train_reference(cnn_run("straight")); }
};

TEST_F(TrainResumeEval, TrainWritesACompleteRunFolder) {
  std::string run = straight();
  for (const char* file : {"manifest.json", "flags.json", "log.txt", "metrics.csv", "plugins/data/synthetic.so",
                           "plugins/data/src/synthetic.cpp", "plugins/model/cnn.so", "plugins/model/src/cnn.cpp"})
    EXPECT_TRUE(fs::exists(run + "/" + file)) << file;
  json manifest = read_json(run + "/manifest.json");
  EXPECT_EQ(manifest["status"], "completed");
  json flags = read_json(run + "/flags.json");
  EXPECT_EQ(flags["channels"], 4);
  EXPECT_EQ(flags["epochs"], 4);
  EXPECT_EQ(flags["optimizer"], "adam");
  EXPECT_EQ(list_checkpoints(run), (std::vector<int64_t>{512, 768, 1024}));  // --keep_checkpoints 3
  std::string csv = read_file(run + "/metrics.csv");
  EXPECT_NE(csv.find("\n1024,4,test,accuracy,"), std::string::npos) << csv;
}

// Where cluster users keep runs: a scratch disk, another filesystem than forge's plugins. The
// snapshot's copy failed there with "Invalid cross-device link".
TEST_F(TrainResumeEval, ARunFolderOnAnotherFilesystemTrainsResumesAndEvaluates) {
  testing::TmpfsMount scratch(64);
  if (!scratch.mounted()) GTEST_SKIP() << scratch.why_not();
  auto trained = run_forge({"train", "--data", "synthetic", "--model", "mlp", "--samples", "64", "--epochs", "1",
                            "--checkpoint_dir", scratch.path(), "--run_name", "scratch"},
                           dir_->path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  std::string run = scratch / "scratch/1";
  EXPECT_EQ(read_file(run + "/plugins/model/mlp.so"), read_file(testing::build_dir() + "/plugins/mlp.so"));
  auto resumed = run_forge({"resume", run, "--epochs", "2"}, dir_->path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  auto evaluated = run_forge({"eval", run}, dir_->path());
  EXPECT_EQ(evaluated.exit_status, 0) << evaluated.output;
}

TEST_F(TrainResumeEval, ResumeFromAnEpochCheckpointMatchesTheUninterruptedRun) {
  ASSERT_EQ(run_forge(cnn_run("short", "2"), dir_->path()).exit_status, 0);
  std::string run = *dir_ / "checkpoints/short/1";
  auto resumed = run_forge({"resume", run, "--epochs", "4"}, dir_->path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming"), std::string::npos);
  EXPECT_EQ(first_difference(testing::run_state(run, 1024), testing::run_state(straight(), 1024)), "");
  EXPECT_EQ(read_json(run + "/manifest.json")["status"], "completed");
  EXPECT_EQ(read_json(run + "/flags.json")["epochs"], 4);
}

TEST_F(TrainResumeEval, SigintCheckpointsMidEpochAndResumeIsExact) {
  std::string run = *dir_ / "checkpoints/interrupted/1";
  int pid = testing::spawn_forge(cnn_run("interrupted"), dir_->path(), *dir_ / "int.log");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (list_checkpoints(run).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(pid, SIGINT);
  EXPECT_EQ(testing::wait_for_exit(pid), 130) << read_file(*dir_ / "int.log");
  json manifest = read_json(run + "/manifest.json");
  EXPECT_EQ(manifest["status"], "interrupted");
  EXPECT_NE(manifest["reason"].get<std::string>().find("SIGINT"), std::string::npos);
  int64_t stopped_at = list_checkpoints(run).back();
  EXPECT_GT(stopped_at, 256) << "stopped at an epoch boundary; the test wants mid-epoch";
  EXPECT_LT(stopped_at, 1024);

  auto resumed = run_forge({"resume", run}, dir_->path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_EQ(first_difference(testing::run_state(run, 1024), testing::run_state(straight(), 1024)), "");
  EXPECT_EQ(read_json(run + "/manifest.json")["resumes"].size(), 1u);
}

TEST_F(TrainResumeEval, ResumeWorksWithoutTheOriginalPluginsAndRebuildsABrokenLibrary) {
  testing::TempDir copy;
  ASSERT_EQ(run_process({"cp", "-r", straight(), copy / "run"}).exit_status, 0);
  // A saved library that no longer loads (as after a forge upgrade) is rebuilt from the saved source.
  write_file_atomically(copy / "run/plugins/model/cnn.so", "not a library any more");
  auto refused = run_forge({"resume", copy / "run", "--epochs", "5"}, copy.path());
  EXPECT_EQ(refused.exit_status, 2) << refused.output;
  EXPECT_NE(
      refused.output.find("changed since the run was recorded (its SHA-1 differs): rebuilt from its saved source"),
      std::string::npos)
      << refused.output;
  auto resumed = run_forge({"resume", copy / "run", "--epochs", "5", "--force"}, copy.path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("rebuilding it from the source saved in the run"), std::string::npos);
  EXPECT_EQ(list_checkpoints(copy / "run").back(), 1280);
}

TEST_F(TrainResumeEval, EvalPrintsAndRecordsTestMetrics) {
  auto newest = run_forge({"eval", straight()}, dir_->path());
  ASSERT_EQ(newest.exit_status, 0) << newest.output;
  EXPECT_NE(newest.output.find("test accuracy "), std::string::npos);
  EXPECT_NE(newest.output.find("(checkpoint step 1024, epoch 4)"), std::string::npos);
  auto older = run_forge({"eval", straight(), "--checkpoint", "512"}, dir_->path());
  ASSERT_EQ(older.exit_status, 0) << older.output;
  json evals = read_json(straight() + "/evals.json");
  EXPECT_TRUE(evals.contains("1024"));
  EXPECT_TRUE(evals.contains("512"));
  EXPECT_GT(evals["1024"]["metrics"]["accuracy"].get<double>(), 0.5);
}

TEST_F(TrainResumeEval, EvalFallsBackPastACorruptNewestCheckpoint) {
  testing::TempDir copy;
  ASSERT_EQ(run_process({"cp", "-r", straight(), copy / "run"}).exit_status, 0);
  std::string newest = checkpoint_path(copy / "run", 1024);
  std::string bytes = read_file(newest);
  bytes[bytes.size() / 2] ^= 1;
  write_file_atomically(newest, bytes);
  auto result = run_forge({"eval", copy / "run"}, copy.path());
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("corrupted"), std::string::npos);
  EXPECT_NE(result.output.find("(checkpoint step 768, epoch 3)"), std::string::npos);
}

// A run whose checkpoint forge 0.1 wrote (format 1; tests/data/checkpoints, made by the very
// command below) evaluates, exports and resumes; the resumed run's checkpoints are format 2.
TEST_F(TrainResumeEval, AFormat1CheckpointOfForge01EvaluatesExportsAndResumes) {
  auto trained = run_forge({"train", "--data", "synthetic", "--model", "mlp", "--n_hidden", "2", "--samples", "64",
                            "--epochs", "1", "--run_name", "format1"},
                           dir_->path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  const std::string run = *dir_ / "checkpoints/format1/1";
  ASSERT_EQ(list_checkpoints(run), std::vector<int64_t>{2});
  fs::copy_file(testing::source_dir() + "/tests/data/checkpoints/format1_mlp_synthetic.ckpt", checkpoint_path(run, 2),
                fs::copy_options::overwrite_existing);
  ASSERT_EQ(read_checkpoint_file(checkpoint_path(run, 2)).format, 1);
  auto evaluated = run_forge({"eval", run}, dir_->path());
  ASSERT_EQ(evaluated.exit_status, 0) << evaluated.output;
  EXPECT_NE(evaluated.output.find("(checkpoint step 2, epoch 1)"), std::string::npos) << evaluated.output;
  auto exported = run_forge({"export", run, "-o", *dir_ / "format1.pt"}, dir_->path());
  ASSERT_EQ(exported.exit_status, 0) << exported.output;
  auto resumed = run_forge({"resume", run, "--epochs", "2"}, dir_->path());
  if (!compat::restores_format1_optimizer_state) {  // libtorch 2.x: refused in one line, not a crash
    EXPECT_EQ(resumed.exit_status, 5) << resumed.output;
    EXPECT_NE(testing::last_line(resumed.output).find("only libtorch 1.x restores"), std::string::npos)
        << resumed.output;
    return;
  }
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("from step 2"), std::string::npos) << resumed.output;
  EXPECT_EQ(read_checkpoint_file(checkpoint_path(run, 4)).format, 2);
}

TEST_F(TrainResumeEval, ConfigFileAndOverrides) {
  testing::write_text(*dir_ / "exp.cfg", "data = synthetic\nmodel = mlp\nn_hidden = 16\nepochs = 3\nrun_name = cfg\n");
  auto result = run_forge({"train", "--config", "exp.cfg", "--epochs", "1", "--samples", "64"}, dir_->path());
  ASSERT_EQ(result.exit_status, 0) << result.output;
  json flags = read_json(*dir_ / "checkpoints/cfg/1/flags.json");
  EXPECT_EQ(flags["n_hidden"], 16);
  EXPECT_EQ(flags["epochs"], 1);
}

TEST_F(TrainResumeEval, ConcurrentTrainingsGetDistinctRunNumbers) {
  std::vector<int> pids;
  for (int i = 0; i < 8; ++i)
    pids.push_back(testing::spawn_forge({"train", "--data", "synthetic", "--model", "mlp", "--epochs", "1", "--samples",
                                         "64", "--run_name", "together"},
                                        dir_->path(), *dir_ / ("together" + std::to_string(i) + ".log")));
  for (int pid : pids) EXPECT_EQ(testing::wait_for_exit(pid), 0);
  for (int n = 1; n <= 8; ++n)
    EXPECT_EQ(read_json(*dir_ / ("checkpoints/together/" + std::to_string(n) + "/manifest.json"))["status"],
              "completed")
        << n;
}

TEST_F(TrainResumeEval, HelpListsForgeAndPluginFlags) {
  auto help = run_forge({"train", "--data", "synthetic", "--model", "mlp", "--help"}, dir_->path());
  EXPECT_EQ(help.exit_status, 0);
  for (const char* text :
       {"forge flags:", "data plugin synthetic flags:", "model plugin mlp flags:", "--n_hidden", "--samples", "--lr"})
    EXPECT_NE(help.output.find(text), std::string::npos) << text;
  EXPECT_EQ(run_forge({"--help"}, dir_->path()).exit_status, 0);
  const std::string version = run_forge({"--version"}, dir_->path()).output;
  for (const char* text : {"plugin ABI", "libtorch "}) EXPECT_NE(version.find(text), std::string::npos) << text;
  EXPECT_TRUE(version.find(", CPU only") != std::string::npos || version.find(" with CUDA ") != std::string::npos)
      << version;
}

}  // namespace
}  // namespace forge
