// Callbacks through the forge binary: a model plugin's callback with state of its own resumes
// exactly beside every built-in one (check-resume compares their states), a callback that forgets
// its state on resume is caught by check-resume, and its rows and state land in the run folder.
#include "core/atomic_file.hpp"
#include "e2e/reference_run.hpp"
#include "runs/checkpoint_files.hpp"
#include "runs/metrics_csv.hpp"
#include "train/checkpoint.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace forge {
namespace {

using testing::run_forge;

std::vector<std::string> callback_run(const std::string& command, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{command,     "--data",  "synthetic",
                                "--samples", "256",     "--valid_fraction",
                                "0.25",      "--model", testing::source_dir() + "/tests/data/plugins/callback_net.cpp",
                                "--epochs",  "3",       "--batch_size",
                                "16",        "--seed",  "4"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Every built-in callback that a run without a terminal has: --ema_decay, --keep_best,
// --early_stopping (patient enough not to stop), and the learning-rate rows of a schedule that
// changes the rate every step.
const std::vector<std::string> all_builtins{"--ema_decay",      "0.9",      "--keep_best",        "valid",
                                            "--early_stopping", "valid:50", "--lr_schedule",      "cosine",
                                            "--warmup_steps",   "4",        "--eval_every_steps", "5"};

TEST(Callbacks, APluginCallbackWithStateResumesExactlyBesideEveryBuiltInOne) {
  testing::TempDir dir;
  auto check = run_forge(callback_run("check-resume",
                                      [] {
                                        auto args = all_builtins;
                                        args.insert(args.end(), {"--stop_at", "17"});
                                        return args;
                                      }()),
                         dir.path());
  ASSERT_EQ(check.exit_status, 0) << check.output;
  EXPECT_NE(check.output.find("resume is exact: all"), std::string::npos) << check.output;
}

TEST(Callbacks, CheckResumeCatchesACallbackThatForgetsItsState) {
  testing::TempDir dir;
  auto check = run_forge(callback_run("check-resume", {"--forget_state", "true", "--stop_at", "17"}), dir.path());
  EXPECT_EQ(check.exit_status, 1) << check.output;
  EXPECT_NE(check.output.find("resume is NOT exact: tensor 'callback loss_tracker: "), std::string::npos)
      << check.output;
}

TEST(Callbacks, ACallbacksRowsAndStateAreInTheRunFolder) {
  testing::TempDir dir;
  const std::string run = dir / "run";
  auto trained = run_forge(callback_run("train", {"--run_dir", run, "--no_progress"}), dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  int tracked = 0;
  for (const auto& row : read_metrics(run)) tracked += row.name == "tracked_loss";
  EXPECT_EQ(tracked, 36) << "a row every step: 3 epochs of 12";
  const std::string path = checkpoint_path(run, list_checkpoints(run).back());
  const auto states = checkpoint_callback_states(read_checkpoint_file(path), path);
  ASSERT_EQ(states.count("loss_tracker"), 1u);
  EXPECT_EQ(states.at("loss_tracker").tensors.at("steps").item<int64_t>(), 36);
  EXPECT_EQ(states.at("loss_tracker").numbers.at("evaluations"), 3.0) << "one valid evaluation an epoch";
  EXPECT_EQ(states.at("loss_tracker").texts.at("note"), "steps 36");
}

// A callback's name keys its state in checkpoints: one taken by forge's own, one that is not a
// plain name, and callbacks() that throws are each one line, exit 4, before any run folder.
TEST(Callbacks, BadCallbacksAreOneLinePluginErrorsBeforeAnyRunFolder) {
  testing::TempDir dir;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--callback_name", "learning_rates"}, "two callbacks are named 'learning_rates'"},
      {{"--callback_name", "a/b"}, "a callback is named 'a/b'"},
      {{"--callbacks_fail", "true"}, "the model plugin's callbacks() failed: no callbacks today (--callbacks_fail)"}};
  for (const auto& [flags, expected] : cases) {
    std::vector<std::string> args = callback_run("train", flags);
    args.insert(args.end(), {"--run_dir", dir / "run"});
    auto result = run_forge(args, dir.path());
    EXPECT_EQ(result.exit_status, 4) << result.output;
    EXPECT_NE(testing::last_line(result.output).find(expected), std::string::npos) << result.output;
    EXPECT_FALSE(boost::filesystem::exists(dir / "run")) << expected;
  }
}

}  // namespace
}  // namespace forge
