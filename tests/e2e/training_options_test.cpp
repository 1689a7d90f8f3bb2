// The training loop's options as a user meets them: schedules, validation, early stopping,
// the best checkpoint, seeds, devices, the csv plugin — and a resume continues all of it exactly.
#include "core/atomic_file.hpp"
#include "e2e/reference_run.hpp"
#include "runs/manifest.hpp"
#include "tensorboard_reader.hpp"
#include "train/builtin_callbacks.hpp"
#include "train/checkpoint.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <regex>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using testing::run_forge;

// Every option that carries state across steps, on a tiny CNN (dropout, batch norm). Valid
// accuracy saturates on this data, so early stopping ends the run in its fourth epoch.
std::vector<std::string> loop_run(const std::string& run_name) {
  return {"train",
          "--data",
          "synthetic",
          "--model",
          "cnn",
          "--channels",
          "4",
          "--samples",
          "512",
          "--batch_size",
          "8",
          "--epochs",
          "6",
          "--seed",
          "5",
          "--valid_fraction",
          "0.2",
          "--lr_schedule",
          "cosine",
          "--warmup_steps",
          "10",
          "--accumulate",
          "2",
          "--clip_grad_norm",
          "1",
          "--eval_every_steps",
          "10",
          "--eval_test_every",
          "1",
          "--early_stopping",
          "valid/accuracy:max:3",
          "--keep_best",
          "valid/loss:min",
          "--log_every",
          "7",
          "--run_name",
          run_name};
}

// metrics.csv without what depends on the clock: its wall-time column and the speed rows.
std::string metrics_without_time(const std::string& run) {
  std::string csv = std::regex_replace(read_file(run + "/metrics.csv"), std::regex(".*,steps_per_second,.*\n"), "");
  return std::regex_replace(csv, std::regex(",[0-9.]+\n"), "\n");
}

class TrainingOptions : public testing::WithReferenceRun {
 protected:
  static void SetUpTestSuite() { train_reference(loop_run("straight")); }
};

namespace {

// What --keep_best (`callback` keep_best) or --early_stopping had seen at the run's checkpoint `step`.
GoalState goal_at(const std::string& run, int64_t step, const char* callback) {
  const std::string path = checkpoint_path(run, step);
  return goal_state_of(checkpoint_callback_states(read_checkpoint_file(path), path).at(callback));
}

}  // namespace

TEST_F(TrainingOptions, EarlyStoppingEndsTheRunAsCompletedWithItsReason) {
  json manifest = read_json(straight() + "/manifest.json");
  EXPECT_EQ(manifest["status"], "completed");
  EXPECT_NE(manifest["reason"].get<std::string>().find("early stopping: valid/accuracy did not improve for 3"),
            std::string::npos)
      << manifest["reason"];
  EXPECT_LT(list_checkpoints(straight()).back(), 6 * 26) << "ran all its epochs";
  std::string csv = read_file(straight() + "/metrics.csv");
  EXPECT_NE(csv.find(",1,test,accuracy,"), std::string::npos) << "--eval_test_every 1";
  EXPECT_NE(csv.find(",train,lr,"), std::string::npos);
}

TEST_F(TrainingOptions, ScheduleEarlyStoppingAndBestContinueExactlyAfterResume) {
  // Stop where early stopping has started counting, but not finished.
  TrainingPosition end = read_checkpoint_position(checkpoint_path(straight(), list_checkpoints(straight()).back()));
  const GoalState end_early = goal_at(straight(), end.step, early_stopping_callback);
  const GoalState end_best = goal_at(straight(), end.step, keep_best_callback);
  ASSERT_EQ(end_early.stale, 3);
  int64_t stop_at = end.step - 7;  // between the evaluations two and one before the end
  auto args = loop_run("resumed");
  args.insert(args.end(), {"--stop_after_steps", std::to_string(stop_at)});
  ASSERT_EQ(run_forge(args, dir_->path()).exit_status, 0);
  std::string run = *dir_ / "checkpoints/resumed/1";
  const GoalState stopped = goal_at(run, stop_at, early_stopping_callback);
  EXPECT_GE(stopped.stale, 1) << "the interruption should fall inside the patience window";
  EXPECT_LT(stopped.stale, 3);

  auto resumed = run_forge({"resume", run}, dir_->path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_EQ(read_json(run + "/manifest.json")["reason"], read_json(straight() + "/manifest.json")["reason"]);
  EXPECT_EQ(list_checkpoints(run).back(), end.step);
  EXPECT_EQ(goal_at(run, end.step, keep_best_callback).best_step, end_best.best_step);
  EXPECT_EQ(goal_at(run, end.step, keep_best_callback).best_value, end_best.best_value);
  EXPECT_EQ(goal_at(run, end.step, early_stopping_callback).best_step, end_early.best_step);
  EXPECT_EQ(first_difference(testing::run_state(run, end.step), testing::run_state(straight(), end.step)), "");
  EXPECT_EQ(metrics_without_time(run), metrics_without_time(straight()));
  // TensorBoard, after its purge of the steps the resumed session redid, shows the same curves.
  EXPECT_EQ(testing::event_files(run).size(), 2u);
  EXPECT_EQ(testing::tensorboard_curves(run), testing::tensorboard_curves(straight()));
}

TEST_F(TrainingOptions, EveryCsvRowIsATensorBoardScalar) {
  auto scalars = testing::tensorboard_scalars(straight());
  std::istringstream csv(read_file(straight() + "/metrics.csv"));
  std::string line;
  std::getline(csv, line);
  size_t rows = 0;
  while (std::getline(csv, line)) {
    std::smatch row;
    ASSERT_TRUE(std::regex_match(line, row, std::regex(R"((\d+),\d+,(\w+),(\w+),([^,]+),[0-9.]+)"))) << line;
    std::string tag = row[2].str() + "/" + row[3].str();
    ASSERT_EQ(scalars[tag].count(std::stoll(row[1])), 1u) << line;
    EXPECT_FLOAT_EQ(scalars[tag][std::stoll(row[1])], std::stof(row[4])) << line;
    ++rows;
  }
  EXPECT_GT(rows, 50u);
  EXPECT_EQ(scalars["train/loss"].count(7), 1u) << "a row every --log_every steps";
}

TEST_F(TrainingOptions, ResumingARunThatStoppedEarlyLeavesItAsItWas) {
  std::string before = testing::tree_digest(straight() + "/checkpoints");
  auto again = run_forge({"resume", straight()}, dir_->path());
  ASSERT_EQ(again.exit_status, 0) << again.output;
  EXPECT_EQ(testing::tree_digest(straight() + "/checkpoints"), before);
  EXPECT_NE(read_json(straight() + "/manifest.json")["reason"].get<std::string>().find("early stopping"),
            std::string::npos);
}

TEST_F(TrainingOptions, EvalCheckpointBestEvaluatesTheKeptOne) {
  int64_t best = goal_at(straight(), list_checkpoints(straight()).back(), keep_best_callback).best_step;
  auto result = run_forge({"eval", straight(), "--checkpoint", "best"}, dir_->path());
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("(checkpoint step " + std::to_string(best) + ","), std::string::npos) << result.output;
  EXPECT_TRUE(read_json(straight() + "/evals.json").contains(std::to_string(best)));
}

TEST_F(TrainingOptions, ChangingTheHorizonOfACosineScheduleNeedsForce) {
  auto refused = run_forge({"resume", straight(), "--epochs", "8"}, dir_->path());
  EXPECT_EQ(refused.exit_status, 2);
  EXPECT_NE(refused.output.find("--epochs: 6 (saved) -> 8 (now)"), std::string::npos) << refused.output;
}

TEST(TrainingSeed, IsDrawnPrintedAndRecordedWhenNotGiven) {
  testing::TempDir dir;
  std::vector<std::string> args{"train",     "--data", "synthetic", "--model", "mlp",
                                "--samples", "64",     "--epochs",  "1",       "--deterministic"};
  auto result = run_forge(args, dir.path());
  ASSERT_EQ(result.exit_status, 0) << result.output;
  std::smatch drawn;
  std::string output = result.output;
  ASSERT_TRUE(std::regex_search(output, drawn, std::regex("seed ([0-9]+) \\(drawn")));
  std::string run = dir / "checkpoints/synthetic_mlp/1";
  EXPECT_EQ(std::to_string(read_json(run + "/flags.json")["seed"].get<int64_t>()), drawn[1].str());
  json manifest = read_json(run + "/manifest.json");
  EXPECT_EQ(manifest["seed"]["drawn"], true);
  EXPECT_EQ(manifest["deterministic"], true);
  EXPECT_EQ(manifest["device"], "cpu");

  args.insert(args.end(), {"--seed", "3"});
  auto given = run_forge(args, dir.path());
  EXPECT_EQ(given.output.find("(drawn"), std::string::npos);
  EXPECT_EQ(read_json(dir / "checkpoints/synthetic_mlp/2/manifest.json")["seed"]["drawn"], false);
}

TEST(TrainingOptionErrors, AreOneClearLineBeforeAnyRunFolderExists) {
  testing::TempDir dir;
  struct Case {
    std::vector<std::string> flags;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"--lr_schedule", "cosin"}, "did you mean cosine?"},
      {{"--device", "cuda"}, "has no CUDA device; use --device cpu"},
      {{"--device", "tpu:0"}, "expected cpu, cuda or cuda:N"},
      {{"--keep_best", "valid"}, "add --valid_fraction"},
      {{"--keep_best", "test/accuracy:max"}, "--eval_test_every"},
      {{"--early_stopping", "valid/loss:min:0"}, "the patience must be a whole number"},
      {{"--valid_fraction", "1.5"}, "--valid_fraction must lie in [0, 1)"},
      {{"--accumulate", "0"}, "--accumulate must be at least 1"},
      {{"--eval_every_steps", "5"}, "evaluates the 'valid' set"},
      {{"--lr_schedule", "cosine", "--warmup_steps", "1000"}, "must be shorter than the run"},
      {{"--seed", "-5"}, "--seed must not be negative"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"train", "--data", "synthetic", "--model", "mlp", "--samples", "64", "--epochs", "1"};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    auto result = run_forge(args, dir.path());
    EXPECT_EQ(result.exit_status, 2) << c.flags[0] << ": " << result.output;
    EXPECT_NE(testing::last_line(result.output).find(c.message), std::string::npos) << result.output;
  }
  EXPECT_FALSE(fs::exists(dir / "checkpoints"));
}

TEST(EvalBest, NeedsARunThatKeptOne) {
  testing::TempDir dir;
  ASSERT_EQ(
      run_forge({"train", "--data", "synthetic", "--model", "mlp", "--samples", "64", "--epochs", "1"}, dir.path())
          .exit_status,
      0);
  auto result = run_forge({"eval", dir / "checkpoints/synthetic_mlp/1", "--checkpoint", "best"}, dir.path());
  EXPECT_EQ(result.exit_status, 5);
  EXPECT_NE(testing::last_line(result.output).find("not trained with --keep_best"), std::string::npos) << result.output;

  auto malformed = run_forge({"eval", dir / "checkpoints/synthetic_mlp/1", "--checkpoint", "bestest"}, dir.path());
  EXPECT_EQ(malformed.exit_status, 2);
  EXPECT_NE(testing::last_line(malformed.output).find("expected a step number or best"), std::string::npos)
      << malformed.output;
  auto no_cuda = run_forge({"eval", dir / "checkpoints/synthetic_mlp/1", "--device", "cuda"}, dir.path());
  EXPECT_EQ(no_cuda.exit_status, 2);
  EXPECT_NE(testing::last_line(no_cuda.output).find("has no CUDA"), std::string::npos) << no_cuda.output;
}

// The csv plugin on the small tables in tests/data/tables.
class CsvPlugin : public ::testing::Test {
 protected:
  std::string table(const std::string& name) { return testing::source_dir() + "/tests/data/tables/" + name; }
  testing::TempDir dir_;

  // Trains and returns the run's final test metrics from metrics.csv, as "name value" lines.
  std::map<std::string, double> train(std::vector<std::string> flags, const std::string& run_name) {
    std::vector<std::string> args{"train", "--data", "csv", "--model", "mlp", "--run_name", run_name, "--seed", "1"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto result = run_forge(args, dir_.path());
    EXPECT_EQ(result.exit_status, 0) << result.output;
    std::map<std::string, double> test;
    std::string csv = read_file(dir_ / ("checkpoints/" + run_name + "/1/metrics.csv"));
    std::regex row("\n[0-9]+,[0-9]+,test,([a-z0-9_]+),([-0-9.e]+),");
    for (std::sregex_iterator it(csv.begin(), csv.end(), row), end; it != end; ++it)
      test[(*it)[1]] = std::stod((*it)[2]);
    return test;
  }
};

TEST_F(CsvPlugin, ClassifiesATableWithWordLabels) {
  auto test = train({"--csv_path", table("blobs.csv"), "--epochs", "20", "--batch_size", "16", "--valid_fraction",
                     "0.2", "--keep_best", "valid"},
                    "blobs");
  EXPECT_GT(test["accuracy"], 0.9);
  json flags = read_json(dir_ / "checkpoints/blobs/1/flags.json");
  EXPECT_EQ(flags["target"], "");  // the last column, "shape"
}

TEST_F(CsvPlugin, RegressesOnANamedTargetColumn) {
  auto test = train({"--csv_path", table("linear.csv"), "--target", "y", "--task", "regression", "--epochs", "40",
                     "--batch_size", "16", "--lr", "0.01"},
                    "linear");
  ASSERT_TRUE(test.count("mae"));
  EXPECT_LT(test["mse"], 0.1) << "predicting the mean would give about 6";
}

TEST_F(CsvPlugin, ReadsScikitLearnsGzippedCountsHeader) {
  auto test = train({"--csv_path", table("counts_header.csv.gz"), "--epochs", "10", "--batch_size", "8"}, "counts");
  EXPECT_GT(test["accuracy"], 0.8);
}

TEST_F(CsvPlugin, ABadTableIsADataErrorNamingTheRowAndColumn) {
  std::string bad = dir_ / "bad.csv";
  testing::write_text(bad, "a,b,label\n1,2,0\n3,oops,1\n");
  auto result = run_forge({"train", "--data", "csv", "--model", "mlp", "--csv_path", bad}, dir_.path());
  EXPECT_EQ(result.exit_status, 6);
  EXPECT_NE(testing::last_line(result.output).find("row 3, column 'b': 'oops' is not a number"), std::string::npos)
      << result.output;
  auto missing = run_forge({"train", "--data", "csv", "--model", "mlp"}, dir_.path());
  EXPECT_EQ(missing.exit_status, 6);
  EXPECT_NE(testing::last_line(missing.output).find("--csv_path is required"), std::string::npos);
}

}  // namespace
}  // namespace forge
