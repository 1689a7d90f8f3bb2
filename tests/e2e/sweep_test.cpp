// forge sweep: grids of real trainings here (-j) and through a real one-node SLURM cluster
// (tests/slurm/cluster.sh starts slurmctld, slurmd and munged, and stops them by pid).
#include "runs/checkpoint_files.hpp"
#include "runs/manifest.hpp"
#include "runs/run_summary.hpp"
#include "slurm_cluster.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using Args = std::vector<std::string>;

bool says(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The sweep's one record below checkpoints/<name>/sweeps/.
json sweep_record(const std::string& root, const std::string& name) {
  for (const auto& entry : fs::directory_iterator(root + "/checkpoints/" + name + "/sweeps"))
    return read_json((entry.path() / "sweep.json").string());
  return json();
}

const Args grid{
    "sweep", "--data",    "synthetic", "--model", "mlp",       "--epochs",   "1",   "--seed",
    "1",     "--threads", "1",         "--lr",    "1e-3,3e-3", "--n_hidden", "16,0"};  // --n_hidden 0: the model plugin
                                                                                       // refuses it

TEST(LocalSweep, TrainsTheGridInParallelAndAFailingPointStopsNoOther) {
  testing::TempDir dir;
  Args command = grid;
  command.insert(command.end(), {"-j", "2"});
  ProcessResult swept = testing::run_forge(command, dir.path());
  EXPECT_EQ(swept.exit_status, 1) << swept.output;
  EXPECT_TRUE(says(swept.output, "2 of 4 points did not complete")) << swept.output;
  json record = sweep_record(dir.path(), "synthetic_mlp");
  ASSERT_EQ(record["points"].size(), 4u);
  for (size_t i : {0, 2}) {  // n_hidden=16
    const std::string run = dir / record["points"][i]["run_dir"].get<std::string>();
    EXPECT_EQ(testing::run_status(run), "completed") << run;
    json label = read_json(run + "/sweep_point.json");
    EXPECT_EQ(label["sweep"], record["id"]);
    EXPECT_EQ(label["point"]["n_hidden"], "16");
    EXPECT_EQ(read_json(run + "/flags.json")["lr"], i == 0 ? 1e-3 : 3e-3);
    ProcessResult shown = testing::run_forge({"show", run}, dir.path());
    EXPECT_TRUE(says(shown.output, "sweep     " + record["id"].get<std::string>() +
                                       ", point lr=" + (i == 0 ? "1e-3" : "3e-3") + " n_hidden=16"))
        << shown.output;
  }
  for (size_t i : {1, 3}) EXPECT_EQ(record["points"][i]["exit_code"], 4) << record.dump(2);
  EXPECT_TRUE(says(swept.output, "lr=3e-3 n_hidden=16")) << swept.output;
  EXPECT_TRUE(says(swept.output, "failed (exit 4)")) << swept.output;
  EXPECT_TRUE(says(testing::text_or_empty(
                       dir / ("checkpoints/synthetic_mlp/sweeps/" + record["id"].get<std::string>() + "/point-1.log")),
                   "--n_hidden must be at least 1"));

  // Launched again: the completed points are skipped, the failing ones tried again.
  ProcessResult again = testing::run_forge(command, dir.path());
  EXPECT_EQ(again.exit_status, 1) << again.output;
  EXPECT_TRUE(says(again.output, "point 0 (lr=1e-3 n_hidden=16): completed already in")) << again.output;
  EXPECT_TRUE(says(again.output, "point 1 (lr=1e-3 n_hidden=0): training in")) << again.output;
  EXPECT_EQ(find_runs(dir / "checkpoints").size(), 2u);  // no new runs for points that have theirs
}

TEST(LocalSweep, StoppedBySigtermItsPointsCheckpointAndTheSameCommandFinishesThem) {
  testing::TempDir dir;
  const Args command{"sweep",     "--data", "synthetic", "--model",   "mlp", "--epochs", "300",        "--seed", "2",
                     "--threads", "1",      "--lr",      "1e-3,2e-3", "-j",  "2",        "--run_name", "long"};
  const int pid = testing::spawn_forge(command, dir.path(), dir / "sweep.log");
  const std::string first = dir / "checkpoints/long/1", second = dir / "checkpoints/long/2";
  ASSERT_TRUE(testing::wait_until(
      [&] { return testing::run_status(first) == "running" && testing::run_status(second) == "running"; }, 60))
      << testing::text_or_empty(dir / "sweep.log");
  ::kill(pid, SIGTERM);
  EXPECT_EQ(testing::wait_for_exit(pid), 143) << testing::text_or_empty(dir / "sweep.log");
  EXPECT_EQ(testing::run_status(first), "interrupted");
  EXPECT_EQ(testing::run_status(second), "interrupted");
  EXPECT_FALSE(list_checkpoints(first).empty());

  ProcessResult resumed = testing::run_forge(command, dir.path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_EQ(testing::run_status(first), "completed");
  EXPECT_EQ(testing::run_status(second), "completed");
  EXPECT_TRUE(says(testing::text_or_empty(first + "/log.txt"), "resuming"))
      << testing::text_or_empty(first + "/log.txt");
}

TEST(SweepErrors, BadSweepsAreOneLineUsageErrorsBeforeAnyRun) {
  testing::TempDir dir;
  struct Case {
    Args args;
    int code;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {{"sweep"}, 2, "forge sweep needs train flags"},
           {{"sweep", "--data", "synthetic", "--model", "mlp", "--lr", "1e-3,"}, 2, "an empty value in the list"},
           {{"sweep", "--data", "synthetic", "--model", "mlp", "--run_dir", "x"}, 2, "drop --run_dir"},
           {{"sweep", "--data", "synthetic,mnist", "--model", "mlp"}, 2, "needs --run_name"},
           {{"sweep", "--data", "synthetic", "--model", "mlp", "-j", "-1"}, 2, "for --jobs: expected a whole number"},
           {{"sweep", "--data", "synthetic", "--model", "mlp", "--launcher", "pbs"}, 2, "expected local or slurm"},
           {{"sweep", "--status", "nowhere"}, 5, "is not a sweep folder"},
       }) {
    ProcessResult result = testing::run_forge(c.args, dir.path());
    EXPECT_EQ(result.exit_status, c.code) << result.output;
    EXPECT_TRUE(says(result.output, "forge: error: ")) << result.output;
    EXPECT_TRUE(says(result.output, c.says)) << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
  }
  EXPECT_FALSE(fs::exists(dir / "checkpoints"));
  ProcessResult help = testing::run_forge({"sweep", "--help"}, dir.path());
  EXPECT_EQ(help.exit_status, 0);
  EXPECT_TRUE(says(help.output, "--slurm_requeue")) << help.output;
}

// A real SLURM cluster on localhost for the suite, stopped by pid at its end.
class SlurmSweep : public testing::WithSlurmCluster {};

TEST_F(SlurmSweep, AJobArrayTrainsEveryPoint) {
  testing::TempDir dir;
  const Args command{"sweep", "--launcher", "slurm",     "--data",     "synthetic", "--model",
                     "mlp",   "--epochs",   "1",         "--threads",  "1",         "--seed",
                     "1",     "--lr",       "1e-3,3e-3", "--n_hidden", "16,32"};
  ProcessResult submitted = testing::run_forge(command, dir.path());
  ASSERT_EQ(submitted.exit_status, 0) << submitted.output;
  EXPECT_TRUE(says(submitted.output, "submitted job array")) << submitted.output;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        return find_runs(dir / "checkpoints").size() == 4 &&
               testing::run_status(dir / "checkpoints/synthetic_mlp/4") == "completed" &&
               testing::run_status(dir / "checkpoints/synthetic_mlp/1") == "completed" &&
               testing::run_status(dir / "checkpoints/synthetic_mlp/2") == "completed" &&
               testing::run_status(dir / "checkpoints/synthetic_mlp/3") == "completed";
      },
      120));
  json record = sweep_record(dir.path(), "synthetic_mlp");
  EXPECT_EQ(record["launcher"], "slurm");
  EXPECT_EQ(record["slurm"].size(), 1u);
  const std::string sweep_dir = dir / ("checkpoints/synthetic_mlp/sweeps/" + record["id"].get<std::string>());
  EXPECT_TRUE(says(testing::text_or_empty(sweep_dir + "/job.sh"), "#SBATCH --signal=B:USR1@120"));
  ProcessResult status = testing::run_forge({"sweep", "--status", sweep_dir}, dir.path());
  EXPECT_EQ(status.exit_status, 0) << status.output;
  EXPECT_EQ(std::count(status.output.begin(), status.output.end(), '\n'), 6)
      << status.output;  // title, header, 4 points
  EXPECT_TRUE(says(status.output, "lr=3e-3 n_hidden=32  checkpoints/synthetic_mlp/4  completed")) << status.output;

  // Launched again, nothing is left to submit.
  ProcessResult again = testing::run_forge(command, dir.path());
  EXPECT_EQ(again.exit_status, 0) << again.output;
  EXPECT_EQ(sweep_record(dir.path(), "synthetic_mlp")["slurm"].size(), 1u);
}

TEST_F(SlurmSweep, Usr1CheckpointsTermInterruptsAndTheSweepResumesThePoint) {
  testing::TempDir dir;
  const Args command{"sweep",      "--launcher", "slurm", "--slurm_requeue", "--data", "synthetic", "--model",
                     "mlp",        "--epochs",   "300",   "--threads",       "1",      "--seed",    "1",
                     "--run_name", "long"};
  ASSERT_EQ(testing::run_forge(command, dir.path()).exit_status, 0);
  const std::string run = dir / "checkpoints/long/1";
  ASSERT_TRUE(testing::wait_until([&] { return testing::run_status(run) == "running"; }, 60));
  const std::string task = sweep_record(dir.path(), "long")["slurm"][0]["job_id"].get<std::string>() + "_0";
  const std::string sweep_dir =
      dir / ("checkpoints/long/sweeps/" + sweep_record(dir.path(), "long")["id"].get<std::string>());
  ProcessResult status = testing::run_forge({"sweep", "--status", sweep_dir}, dir.path());
  EXPECT_TRUE(says(status.output, "running  RUNNING")) << status.output;  // the run's status, then SLURM's

  ASSERT_EQ(run_process({"scancel", "--signal=USR1", "--batch", task}).exit_status, 0);
  ASSERT_TRUE(testing::wait_until(
      [&] { return says(testing::text_or_empty(run + "/log.txt"), "SIGUSR1: checkpoint at step"); }, 30))
      << testing::text_or_empty(run + "/log.txt");
  ASSERT_EQ(run_process({"scancel", "--signal=TERM", "--batch", task}).exit_status, 0);
  // (The status is recorded just before the log line is written.)
  ASSERT_TRUE(testing::wait_until(
      [&] {
        return testing::run_status(run) == "interrupted" &&
               says(testing::text_or_empty(run + "/log.txt"), "stopped by SIGTERM");
      },
      30))
      << testing::text_or_empty(run + "/log.txt");
  const int64_t stopped_at = list_checkpoints(run).back();

  ProcessResult relaunched = testing::run_forge(command, dir.path());
  ASSERT_EQ(relaunched.exit_status, 0) << relaunched.output;
  ASSERT_TRUE(testing::wait_until([&] { return testing::run_status(run) == "completed"; }, 90))
      << testing::text_or_empty(run + "/log.txt");
  EXPECT_TRUE(says(testing::text_or_empty(run + "/log.txt"),
                   "resuming " + std::string("checkpoints/long/1 from step ") + std::to_string(stopped_at)))
      << testing::text_or_empty(run + "/log.txt");
  EXPECT_EQ(list_checkpoints(run).back(), 300 * 16);
}

}  // namespace
}  // namespace forge
