// forge's event files read by TensorBoard itself (its EventAccumulator, from the PyPI
// tensorboard package in .venv-torch), not only by the test suite's own decoder.
#include "core/json_file.hpp"
#include "core/process.hpp"
#include "runs/checkpoint_files.hpp"
#include "tensorboard_reader.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <csignal>
#include <sstream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

// tag -> (step, value) in the order TensorBoard gives them: a step it failed to purge would
// show twice.
using Points = std::map<std::string, std::vector<std::pair<int64_t, float>>>;

std::string wheel_python() { return testing::source_dir() + "/.venv-torch/bin/python"; }

// What TensorBoard shows for `run_dir` (simple_value is a float).
Points tensorboard_shows(const std::string& run_dir) {
  ProcessResult read =
      run_process({wheel_python(), testing::source_dir() + "/tests/e2e/tensorboard_scalars.py", run_dir}, run_dir);
  EXPECT_EQ(read.exit_status, 0) << read.output;
  Points out;
  // The JSON is the last line: anything TensorBoard says on stderr comes before it.
  const json shown = json::parse(testing::last_line(read.output));
  for (const auto& [tag, points] : shown.items())
    for (const auto& point : points) out[tag].emplace_back(point[0].get<int64_t>(), point[1].get<float>());
  return out;
}

Points without_clock(Points points) {
  points.erase("train/steps_per_second");
  return points;
}

// The suite's own decoder's reading of a run, as Points.
Points decoded(const std::string& run_dir) {
  Points out;
  for (const auto& [tag, values] : testing::tensorboard_scalars(run_dir))
    out[tag] = std::vector<std::pair<int64_t, float>>(values.begin(), values.end());
  return out;
}

// The largest step in a run's metrics.csv: how far its process logged.
int64_t last_logged_step(const std::string& run_dir) {
  std::istringstream csv(testing::text_or_empty(run_dir + "/metrics.csv"));
  std::string line;
  std::getline(csv, line);
  int64_t last = 0;
  while (std::getline(csv, line)) last = std::max<int64_t>(last, std::stoll(line.substr(0, line.find(','))));
  return last;
}

std::vector<std::string> run_args(const std::string& name) {
  return {"train", "--data",           "synthetic", "--model",    "mlp", "--samples",    "512", "--batch_size",
          "8",     "--epochs",         "3",         "--seed",     "4",   "--log_every",  "1",   "--checkpoint_every",
          "25",    "--valid_fraction", "0.125",     "--run_name", name,  "--no_progress"};
}

TEST(RealTensorBoard, EventAccumulatorReadsEveryScalarAndThePurgedCurveAfterAKill) {
  ProcessResult has_tensorboard = run_process({wheel_python(), "-c", "import tensorboard"}, testing::source_dir());
  if (has_tensorboard.exit_status != 0)
    GTEST_SKIP() << "no tensorboard package in .venv-torch: run bash scripts/setup.sh --torch pypi";
  testing::TempDir dir;
  ASSERT_EQ(testing::run_forge(run_args("straight"), dir.path()).exit_status, 0);
  const std::string straight = dir / "checkpoints/straight/1";
  const Points shown = tensorboard_shows(straight);
  EXPECT_EQ(shown, decoded(straight)) << "TensorBoard and the suite's decoder disagree";
  EXPECT_EQ(shown.at("train/loss").size(), 3u * 56u) << "a point every step (--log_every 1)";
  for (const char* tag : {"train/lr", "train/steps_per_second", "train_epoch/loss", "valid/accuracy", "test/loss"})
    EXPECT_EQ(shown.count(tag), 1u) << tag;

  // kill -9 after the checkpoint at step 25, until the killed process had logged steps past its
  // newest checkpoint: those rows, which the resumed session writes again, must be purged.
  bool purged_something = false;
  for (int attempt = 0; attempt < 3 && !purged_something; ++attempt) {
    const std::string name = "killed" + std::to_string(attempt), run = dir / ("checkpoints/" + name + "/1");
    int pid = testing::spawn_forge(run_args(name), dir.path(), dir / (name + ".log"));
    ASSERT_TRUE(testing::wait_until([&] { return fs::exists(checkpoint_path(run, 25)); }));
    ::kill(pid, SIGKILL);
    testing::wait_for_exit(pid);
    const std::vector<int64_t> kept = list_checkpoints(run);
    ASSERT_FALSE(kept.empty());
    purged_something = last_logged_step(run) > kept.back();
    ProcessResult resumed = testing::run_forge({"resume", run}, dir.path());
    ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
    EXPECT_EQ(testing::event_files(run).size(), 2u);
    EXPECT_EQ(without_clock(tensorboard_shows(run)), without_clock(shown)) << "killed after step " << kept.back();
  }
  EXPECT_TRUE(purged_something) << "no kill landed after a logged step past the newest checkpoint";
}

}  // namespace
}  // namespace forge
