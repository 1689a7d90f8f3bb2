// Workloads that once needed workarounds, written as plugins against the public headers alone
// (examples/): each trains for real through the forge binary and resumes exactly.
#include "e2e/reference_run.hpp"
#include "runs/metrics_csv.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace forge {
namespace {

using testing::run_forge;

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// The metrics of the run's last evaluation of `split`, by name.
std::map<std::string, double> last_evaluation(const std::string& run, const std::string& split) {
  std::map<std::string, double> out;
  for (const auto& row : read_metrics(run))
    if (row.split == split) out[row.name] = row.value;
  return out;
}

// Two heads, two losses, whole-set metrics per head: each head's output goes to its metrics by
// name (forge::for_output), with no packing into one tensor and no wrapper metric.
TEST(Workloads, MultiTaskTrainsTwoHeadsWithWholeSetMetricsForEach) {
  testing::TempDir dir;
  const std::string examples = testing::source_dir() + "/examples/multi_task/";
  const std::vector<std::string> pair{"--data",
                                      examples + "shapes.cpp",
                                      "--model",
                                      examples + "two_heads.cpp",
                                      "--shapes",
                                      "1600",
                                      "--valid_fraction",
                                      "0.2",
                                      "--lr",
                                      "0.003",
                                      "--batch_size",
                                      "32",
                                      "--seed",
                                      "3"};
  const std::string run = dir / "run";
  auto trained = run_forge(with({"train", "--run_dir", run, "--epochs", "6", "--no_progress"}, pair), dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  const auto test = last_evaluation(run, "test");
  for (const char* name : {"shape_macro_f1", "shape_macro_recall", "size_r2", "shape_accuracy", "size_mae"})
    EXPECT_EQ(test.count(name), 1u) << name;
  EXPECT_GT(test.at("shape_macro_f1"), 0.85);
  EXPECT_GT(test.at("size_r2"), 0.8);
  EXPECT_TRUE(boost::filesystem::exists(run + "/tables/test/shape_confusion_matrix-step-00000240.csv"));

  auto check =
      run_forge(with({"check-resume", "--epochs", "2", "--stop_at", "13", "--workers", "2"}, pair), dir.path());
  ASSERT_EQ(check.exit_status, 0) << check.output;
  EXPECT_NE(check.output.find("resume is exact: all"), std::string::npos) << check.output;
}

// Detection: a different number of boxes per image (a padded field with its counts), a metric
// that sees the whole batch, and an exact average precision whose lists of scores are
// concatenated over data-parallel processes: two processes report exactly what one does.
TEST(Workloads, DetectionsExactAveragePrecisionIsTheSameUnderTwoProcesses) {
  testing::TempDir dir;
  const std::string examples = testing::source_dir() + "/examples/detection/";
  const std::vector<std::string> pair{"--data",           examples + "squares.cpp",
                                      "--model",          examples + "grid_detector.cpp",
                                      "--images",         "1000",
                                      "--valid_fraction", "0.2",
                                      "--seed",           "1",
                                      "--threads",        "1",
                                      "--no_progress"};
  const std::string base = dir / "base";
  auto trained = run_forge(
      with({"train", "--run_dir", base, "--epochs", "4", "--lr", "0.003", "--batch_size", "16"}, pair), dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  EXPECT_GT(last_evaluation(base, "test").at("ap50"), 0.5);

  // The trained weights, evaluated by one process and by two (a rate too small to move them).
  auto again = [&](const std::string& run, std::vector<std::string> more) {
    more.insert(more.end(), {"--run_dir", run, "--init_from", base, "--lr", "1e-30", "--epochs", "1"});
    auto result = run_forge(with(with({"train"}, more), pair), dir.path());
    EXPECT_EQ(result.exit_status, 0) << result.output;
    return last_evaluation(run, "valid");
  };
  const auto one = again(dir / "one", {"--batch_size", "32"});
  const auto two = again(dir / "two", {"--batch_size", "16", "--nproc_per_node", "2"});
  EXPECT_GT(one.at("ap50"), 0.5);
  for (const char* name : {"ap50", "recall50", "predictions"}) EXPECT_EQ(one.at(name), two.at(name)) << name;
}

// A data plugin's batch plan that cannot be followed is one line, exit 6 (the data's fault):
// before any run folder when it is wrong from the start, at the epoch that breaks it otherwise.
TEST(BatchPlans, PlansThatCannotBeFollowedAreOneLineDataErrors) {
  testing::TempDir dir;
  const std::string plugin = testing::source_dir() + "/tests/data/plugins/planned_data.cpp";
  auto train = [&](const std::string& plan, std::vector<std::string> more = {}, const std::string& run = "") {
    std::vector<std::string> args{"train", "--data",   plugin, "--plan",       plan, "--model",
                                  "mlp",   "--epochs", "2",    "--batch_size", "8",  "--no_progress"};
    args.insert(args.end(), {"--run_dir", dir / (run.empty() ? plan : run)});
    args.insert(args.end(), more.begin(), more.end());
    return run_forge(args, dir.path());
  };
  auto works = train("classes");
  EXPECT_EQ(works.exit_status, 0) << works.output;
  auto outside = train("outside");
  EXPECT_EQ(outside.exit_status, 6) << outside.output;
  EXPECT_NE(testing::last_line(outside.output).find("batch plan for epoch 1: an index lies outside [0, 64)"),
            std::string::npos)
      << outside.output;
  EXPECT_FALSE(boost::filesystem::exists(dir / "outside"));
  auto growing = train("growing");
  EXPECT_EQ(growing.exit_status, 6) << growing.output;
  EXPECT_NE(testing::last_line(growing.output).find("gives epoch 2 2 batches and the first 1"), std::string::npos)
      << growing.output;
  auto stream = train("stream");
  EXPECT_EQ(stream.exit_status, 6) << stream.output;
  EXPECT_NE(testing::last_line(stream.output).find("is a stream, read in its own order: it takes no batch planner"),
            std::string::npos)
      << stream.output;
  auto carved = train("classes", std::vector<std::string>{"--valid_fraction", "0.2"}, "carved");
  EXPECT_EQ(carved.exit_status, 2) << carved.output;
  EXPECT_NE(testing::last_line(carved.output).find("--valid_fraction cannot carve a split whose batches"),
            std::string::npos)
      << carved.output;
  auto negative = train("classes", std::vector<std::string>{"--eval_batch_size", "-1"}, "negative");
  EXPECT_EQ(negative.exit_status, 2) << negative.output;
  EXPECT_NE(testing::last_line(negative.output).find("--eval_batch_size must not be negative"), std::string::npos)
      << negative.output;
  auto eval = run_forge({"eval", dir / "classes", "--batch_size", "-1"}, dir.path());
  EXPECT_EQ(eval.exit_status, 2) << eval.output;
  EXPECT_NE(testing::last_line(eval.output).find("--batch_size must be at least 1 (or 0: the run's --eval_batch_size)"),
            std::string::npos)
      << eval.output;
}

const std::string char_lm = testing::source_dir() + "/examples/char_lm/";

std::vector<std::string> char_lm_run(const std::string& command, const std::vector<std::string>& more) {
  return with({command, "--data", char_lm + "text_lanes.cpp", "--model", char_lm + "char_rnn.cpp", "--lr", "0.003",
               "--seed", "1", "--threads", "1"},
              more);
}

// The number after `name` in the output's last line that has it.
double value_after(const std::string& output, const std::string& name) {
  const size_t at = output.rfind(" " + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(output.substr(at + name.size() + 2));
}

// A character language model with truncated backpropagation through time: the stream lays its
// lanes out by the batch size and the processes it is told of, the model carries its state per
// lane (in every checkpoint), and a callback of its own resets the lanes at each epoch's start
// and gives evaluations their own state — no reading of forge's flags, no test of indices.
TEST(Workloads, CharacterLanguageModelCarriesItsStateAndResumesExactly) {
  testing::TempDir dir;
  const std::string run = dir / "run";
  auto trained = run_forge(
      char_lm_run("train", {"--run_dir", run, "--epochs", "4", "--batch_size", "16", "--no_progress"}), dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  const auto test = last_evaluation(run, "test");
  EXPECT_LT(test.at("bits_per_byte"), 3.6) << "a byte is 8 bits at random, English text about 4.5 by letter counts";

  auto check =
      run_forge(char_lm_run("check-resume", {"--epochs", "2", "--batch_size", "16", "--stop_at", "70"}), dir.path());
  ASSERT_EQ(check.exit_status, 0) << check.output;
  EXPECT_NE(check.output.find("resume is exact: all"), std::string::npos) << check.output;
}

// Data-parallel, the test stream is not cut into shards (a shard would start its lanes without
// the state carried into them): each process evaluates the whole of it, and the result is the
// one a single process gets for the same weights.
TEST(Workloads, CharacterLanguageModelIsEvaluatedWholeUnderDataParallel) {
  testing::TempDir dir;
  const std::string run = dir / "run";
  auto trained = run_forge(char_lm_run("train", {"--run_dir", run, "--epochs", "1", "--batch_size", "8",
                                                 "--nproc_per_node", "2", "--no_progress"}),
                           dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  const double in_training = last_evaluation(run, "test").at("bits_per_byte");
  auto alone = run_forge({"eval", run}, dir.path());
  ASSERT_EQ(alone.exit_status, 0) << alone.output;
  EXPECT_NEAR(value_after(alone.output, "bits_per_byte"), in_training, 1e-5 * in_training) << alone.output;
}

}  // namespace
}  // namespace forge
