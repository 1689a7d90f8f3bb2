// Files made to hurt forge (hardening, second round): crafted weights files, links in a run
// folder, image bombs, a line longer than memory. Each is one line and its exit code, never a
// crash, an allocation the file does not justify, or a byte from outside leaking in.
#include "runs/checkpoint_frame.hpp"
#include "runs/run_files.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <sys/stat.h>
#include <fstream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using testing::last_line;
using testing::run_forge;

std::vector<std::string> cnn_run(const std::string& run_dir, std::vector<std::string> more = {}) {
  std::vector<std::string> args{"train", "--data",        "mnist", "--train_limit", "256",  "--model",
                                "cnn",   "--channels",    "4",     "--epochs",      "1",    "--max_steps",
                                "1",     "--no_progress", "true",  "--run_dir",     run_dir};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Weights files written by Debian's PyTorch (tests/data/weights/make_weights.py): real ones, and
// hostile ones made by editing a real one's pickle or records.
class WeightsFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    ProcessResult made =
        run_process({"/usr/bin/python3", testing::source_dir() + "/tests/data/weights/make_weights.py", dir_->path()},
                    dir_->path());
    ASSERT_EQ(made.exit_status, 0) << made.output;
  }
  static void TearDownTestSuite() { delete dir_; }
  static testing::TempDir* dir_;
};

testing::TempDir* WeightsFiles::dir_ = nullptr;

TEST_F(WeightsFiles, AModulesStateDictLoadsInEitherFormat) {
  for (const char* file : {"ordered.pt", "legacy.pt"}) {
    auto run = run_forge(
        cnn_run(*dir_ / (std::string("run-") + file), {"--init_weights", *dir_ / file, "--init_strict", "true"}),
        dir_->path());
    ASSERT_EQ(run.exit_status, 0) << file << ": " << run.output;
    EXPECT_NE(run.output.find("16 of 16 tensors"), std::string::npos) << run.output;
  }
}

// The same state_dicts saved by the PyPI wheel's current torch (2.x), where scripts/setup.sh
// --torch pypi installed it.
TEST_F(WeightsFiles, CurrentPyTorchsStateDictsLoadToo) {
  const std::string wheel = testing::source_dir() + "/.venv-torch/bin/python";
  if (!fs::exists(wheel)) GTEST_SKIP() << "no .venv-torch (bash scripts/setup.sh --torch pypi)";
  fs::create_directories(*dir_ / "wheel");
  ProcessResult made = run_process(
      {wheel, testing::source_dir() + "/tests/data/weights/make_weights.py", *dir_ / "wheel", "--real-only"},
      dir_->path());
  ASSERT_EQ(made.exit_status, 0) << made.output;
  for (const char* file : {"ordered.pt", "legacy.pt"}) {
    auto run = run_forge(cnn_run(*dir_ / (std::string("wheel-run-") + file),
                                 {"--init_weights", *dir_ / ("wheel/" + std::string(file)), "--init_strict", "true"}),
                         dir_->path());
    ASSERT_EQ(run.exit_status, 0) << file << ": " << run.output;
    EXPECT_NE(run.output.find("16 of 16 tensors"), std::string::npos) << run.output;
  }
}

TEST_F(WeightsFiles, EachHostileFileIsOneLineWithExitFiveAndNoRunFolder) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"oversized.pt", "claims 8192 elements, more than its 4 bytes hold"},
      {"far_offset.pt", "reaching element 1099511627776 of storage 0"},
      {"empty_reduce.pt", "an opcode needs a value and finds none"},
      {"cut_short.pt", "refused: pickle byte "},
      {"deep.pt", "holds a tuple, not a state_dict"},
      {"shell.pt", "a call of posix.system, which a file of tensors does not need"},
      {"short_record.pt", "claims 1 elements, more than its 2 bytes hold"},
      {"not_only_tensors.pt", "entry note is a string, not a tensor"},
      {"numel.txt", "neither a forge checkpoint nor a file torch.save wrote"},
  };
  for (const auto& [file, message] : cases) {
    const std::string run_dir = *dir_ / ("hostile-" + file);
    auto run = run_forge(cnn_run(run_dir, {"--init_weights", *dir_ / file}), dir_->path());
    EXPECT_EQ(run.exit_status, 5) << file << ": " << run.output;
    const std::string line = last_line(run.output);
    EXPECT_EQ(line.rfind("forge: error: ", 0), 0u) << file << ": " << run.output;
    EXPECT_NE(line.find(message), std::string::npos) << file << ": " << line;
    EXPECT_FALSE(fs::exists(run_dir)) << file;
  }
  EXPECT_FALSE(fs::exists(*dir_ / "pwned"));
}

// A run folder from someone else with links in images/ and tables/ (to a secret file, to a folder
// outside): `forge report` embeds none of it, and names each file it skipped.
TEST(HostileRunFolder, ReportFollowsNoLinkAndNamesWhatItSkipped) {
  testing::TempDir dir;
  auto trained = run_forge({"train", "--data", "synthetic", "--samples", "64", "--model", "mlp", "--epochs", "1",
                            "--no_progress", "true", "--run_dir", dir / "runs/r/1"},
                           dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  const std::string run = dir / "runs/r/1", secret = "SECRET-7f3a9c";
  testing::write_text(dir / "secret.txt", secret + "\n1,2\n");
  fs::create_directories(dir / "outside");
  testing::write_text(dir / "outside/epoch-000009.png", "\x89PNG\r\n\x1a\n" + secret);
  fs::create_directories(run + "/images/linked_file");
  fs::create_symlink(dir / "secret.txt", run + "/images/linked_file/epoch-000001.png");
  fs::create_directory_symlink(dir / "outside", run + "/images/linked_folder");
  fs::create_directories(run + "/images/not_png");
  testing::write_text(run + "/images/not_png/epoch-000001.png", "<script>" + secret + "</script>");
  fs::create_directories(run + "/tables/test");
  fs::create_symlink(dir / "secret.txt", run + "/tables/test/confusion_matrix-step-99999999.csv");
  fs::create_directories(run + "/tables/valid");
  ASSERT_EQ(::mkfifo((run + "/tables/valid/confusion_matrix-step-99999998.csv").c_str(), 0600), 0);

  auto report = run_forge({"report", dir / "runs", "-o", dir / "report.html"}, dir.path());
  ASSERT_EQ(report.exit_status, 0) << report.output;
  const std::string html = testing::text_or_empty(dir / "report.html");
  EXPECT_EQ(html.find(secret), std::string::npos) << "a linked file's bytes reached the report";
  EXPECT_NE(report.output.find("images/linked_folder: a link"), std::string::npos) << report.output;
  EXPECT_NE(report.output.find("skipped " + run + "/images/linked_file/epoch-000001.png: a link"), std::string::npos)
      << report.output;
  EXPECT_NE(report.output.find("images/not_png/epoch-000001.png: not a PNG"), std::string::npos) << report.output;
  EXPECT_NE(report.output.find("tables/test/confusion_matrix-step-99999999.csv: a link"), std::string::npos)
      << report.output;
  EXPECT_NE(report.output.find("tables/valid/confusion_matrix-step-99999998.csv: not a regular file"),
            std::string::npos)
      << report.output;
  EXPECT_NE(html.find("skipped images/linked_file/epoch-000001.png"), std::string::npos);
}

// A run that diverges (every output NaN) trains to its end and evaluates: its whole-set metrics
// are NaN with a count of the outputs that were not finite, and no NaN counts as right.
TEST(DivergedRun, TrainsAndEvaluatesWithNaNMetricsAndACount) {
  testing::TempDir dir;
  auto trained = run_forge({"train", "--data", "synthetic", "--classes", "2", "--samples", "128", "--model", "mlp",
                            "--epochs", "1", "--lr", "1e30", "--no_progress", "true", "--run_dir", dir / "run"},
                           dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  EXPECT_NE(trained.output.find("non_finite_outputs 32"), std::string::npos) << trained.output;
  auto evaluated = run_forge({"eval", dir / "run"}, dir.path());
  ASSERT_EQ(evaluated.exit_status, 0) << evaluated.output;
  EXPECT_NE(evaluated.output.find("test accuracy 0 auroc nan"), std::string::npos) << evaluated.output;
  EXPECT_NE(evaluated.output.find("non_finite_outputs 32"), std::string::npos) << evaluated.output;
}

// A run on a read-only file system (an archive, a colleague's share): eval prints its result,
// and warns that it could not record it, instead of failing after the work.
TEST(ReadOnlyRun, EvalPrintsTheResultAndWarnsThatItIsNotRecorded) {
  testing::TmpfsMount disk(64);
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  auto trained = run_forge({"train", "--data", "synthetic", "--samples", "64", "--model", "mlp", "--epochs", "1",
                            "--no_progress", "true", "--run_dir", disk / "run"},
                           disk.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  ASSERT_EQ(run_process({"mount", "-o", "remount,ro", disk.path()}).exit_status, 0);
  auto evaluated = run_forge({"eval", disk / "run"}, "/");
  EXPECT_EQ(evaluated.exit_status, 0) << evaluated.output;
  EXPECT_NE(evaluated.output.find("test accuracy "), std::string::npos) << evaluated.output;
  EXPECT_NE(evaluated.output.find("the result above is not recorded in " + disk / "run"), std::string::npos)
      << evaluated.output;
  EXPECT_NE(evaluated.output.find("Read-only file system"), std::string::npos) << evaluated.output;
  run_process({"mount", "-o", "remount,rw", disk.path()});
}

// A run folder and its parent holding things forge did not make, named like things it does:
// resume removes only its own leftover temporary files, a FIFO named like a checkpoint is
// named and ignored (never opened), and numbers no run or clock has fail nothing.
TEST(HostileRunFolder, ResumeTouchesOnlyWhatForgeMadeAndOddNamesFailNothing) {
  testing::TempDir dir;
  const std::string run = dir / "checkpoints/r/1";
  auto trained = run_forge({"train", "--data", "synthetic", "--samples", "64", "--model", "mlp", "--epochs", "1",
                            "--no_progress", "true", "--run_name", "r"},
                           dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  for (const std::string& mine : {run + "/notes.tmp.txt", run + "/checkpoints/README.tmp.md",
                                  run + "/manifest.json.tmp.mine", run + "/events.out.tfevents.99999999999999999999.x"})
    testing::write_text(mine, "the user's\n");
  testing::write_text(run + "/manifest.json.tmp.4242.0", "a killed write's leftover");
  testing::write_text(run + "/checkpoints/step-00000001.ckpt.tmp.4242.1", "a killed write's leftover");
  ASSERT_EQ(::mkfifo((run + "/checkpoints/step-99999999.ckpt").c_str(), 0600), 0);
  fs::create_directories(dir / "checkpoints/r/99999999999999999999");

  auto resumed = run_forge({"resume", run, "--epochs", "2"}, dir.path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("ignored " + run +
                                "/checkpoints/step-99999999.ckpt: a checkpoint's name, but not a "
                                "regular file"),
            std::string::npos)
      << resumed.output;
  for (const std::string& mine :
       {run + "/notes.tmp.txt", run + "/checkpoints/README.tmp.md", run + "/manifest.json.tmp.mine"})
    EXPECT_TRUE(fs::exists(mine)) << mine << " was removed";
  EXPECT_FALSE(fs::exists(run + "/manifest.json.tmp.4242.0"));
  EXPECT_FALSE(fs::exists(run + "/checkpoints/step-00000001.ckpt.tmp.4242.1"));

  auto another = run_forge({"train", "--data", "synthetic", "--samples", "64", "--model", "mlp", "--epochs", "1",
                            "--no_progress", "true", "--run_name", "r"},
                           dir.path());
  EXPECT_EQ(another.exit_status, 0) << another.output;
  EXPECT_TRUE(fs::exists(dir / "checkpoints/r/2/manifest.json")) << another.output;
  auto listed = run_forge({"runs", dir / "checkpoints"}, dir.path());
  EXPECT_EQ(listed.exit_status, 0) << listed.output;
  auto evaluated = run_forge({"eval", run}, dir.path());
  EXPECT_EQ(evaluated.exit_status, 0) << evaluated.output;
}

// Evals of one run's four checkpoints at once: each entry of evals.json survives the others'
// writes.
TEST(ConcurrentEvals, EveryEvalKeepsItsEntry) {
  testing::TempDir dir;
  auto trained = run_forge(
      {"train", "--data", "synthetic", "--samples", "128", "--model", "mlp", "--epochs", "1", "--checkpoint_every", "1",
       "--keep_checkpoints", "0", "--no_progress", "true", "--run_dir", dir / "run"},
      dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  std::vector<int> pids;
  for (int step = 1; step <= 4; ++step)
    pids.push_back(testing::spawn_forge({"eval", dir / "run", "--checkpoint", std::to_string(step)}, dir.path(),
                                        dir / ("eval" + std::to_string(step) + ".log")));
  for (int pid : pids) EXPECT_EQ(testing::wait_for_exit(pid), 0);
  const std::string evals = testing::text_or_empty(dir / "run/evals.json");
  for (const char* step : {"\"1\"", "\"2\"", "\"3\"", "\"4\""})
    EXPECT_NE(evals.find(step), std::string::npos) << step << " lost:\n" << evals;
}

}  // namespace
}  // namespace forge
