// Data-parallel training over c10d Gloo with real processes: on loopback (forge's own launcher,
// --nproc_per_node 2), and across two network namespaces joined by a veth pair, each one "host"
// whose rank is started with torchrun's environment variables, as srun would.
#include "reference_run.hpp"
#include "runs/manifest.hpp"
#include "runs/metrics_csv.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using Args = std::vector<std::string>;

bool says(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The largest difference between two states' tensors (they must have the same names and shapes).
double largest_difference(const NamedState& a, const NamedState& b) {
  EXPECT_EQ(a.size(), b.size());
  double gap = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    gap = std::max(gap, (a[i].second - b[i].second).abs().max().item<double>());
  }
  return gap;
}

// 200 samples: the last global batch of 32 is short (8), split 4 and 4 between the ranks.
const Args synthetic{"--data", "synthetic", "--model",   "mlp", "--samples",    "200",
                     "--seed", "4",         "--threads", "1",   "--no_progress"};

Args with(Args args, const Args& more) {
  args.insert(args.begin(), "train");
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// `train` (a train command's arguments) as two processes of batch 16 and as one of batch 32, in
// <dir>/checkpoints/two/1 and <dir>/checkpoints/one/1; false (with the failure reported) when
// either does not complete.
bool train_two_and_one(const Args& train, const testing::TempDir& dir) {
  Args two = train, one = train;
  two.insert(two.end(), {"--batch_size", "16", "--nproc_per_node", "2", "--run_name", "two"});
  one.insert(one.end(), {"--batch_size", "32", "--run_name", "one"});
  for (const Args& args : {two, one}) {
    ProcessResult result = testing::run_forge(args, dir.path());
    EXPECT_EQ(result.exit_status, 0) << result.output;
    if (result.exit_status != 0) return false;
  }
  return true;
}

// --channels_last under two processes: the first weights shared and the gradients summed in
// the convolutions' own layout; the run ends where the contiguous one does, up to the order of
// the convolutions' sums.
TEST(DataParallel, ChannelsLastParametersAreSharedAndSummedInTheirLayout) {
  testing::TempDir dir;
  const Args cnn{
      "--data", "synthetic", "--model", "cnn",           "--channels", "4", "--samples",    "200", "--seed",
      "4",      "--threads", "1",       "--no_progress", "--epochs",   "2", "--batch_size", "16",  "--nproc_per_node",
      "2"};
  for (const std::string layout : {"true", "false"}) {
    ProcessResult result = testing::run_forge(with(cnn, {"--channels_last", layout, "--run_name", layout}), dir.path());
    ASSERT_EQ(result.exit_status, 0) << result.output;
  }
  EXPECT_LT(largest_difference(testing::run_state(dir / "checkpoints/true/1"),
                               testing::run_state(dir / "checkpoints/false/1")),
            1e-5);
}

// A whole-set metric whose state is concatenated over ranks (every score, for an exact average
// precision) reports under two processes exactly what it does under one: every rank sees the
// whole set's scores, not its own shard's. (--lr 1e-30: the same weights in both.)
TEST(DataParallel, ConcatenatedMetricStatesGiveTheWholeSetsExactAveragePrecision) {
  testing::TempDir dir;
  Args ranked{"train", "--data", "synthetic", "--samples", "200", "--seed", "4", "--threads", "1", "--no_progress"};
  ranked.insert(ranked.end(), {"--model", testing::source_dir() + "/tests/data/plugins/ranked_net.cpp", "--classes",
                               "2", "--valid_fraction", "0.3", "--epochs", "1", "--lr", "1e-30"});
  ASSERT_TRUE(train_two_and_one(ranked, dir));
  auto valid = [](const std::string& run) {
    std::map<std::string, double> out;
    for (const auto& row : read_metrics(run))
      if (row.split == "valid") out[row.name] = row.value;
    return out;
  };
  const auto parallel_valid = valid(dir / "checkpoints/two/1"), single_valid = valid(dir / "checkpoints/one/1");
  EXPECT_EQ(parallel_valid.at("scored"), 60) << "every rank holds the whole valid set's scores";
  EXPECT_EQ(single_valid.at("scored"), 60);
  EXPECT_EQ(parallel_valid.at("average_precision"), single_valid.at("average_precision"));
  EXPECT_GT(single_valid.at("average_precision"), 0);
}

// A step that takes its negatives from every process's batch (Model::collectives().all_gather):
// two processes of batch 16 compare each sample with 32 rows and train as one process of 32.
TEST(DataParallel, AStepsAllGatherComparesWithTheGlobalBatch) {
  testing::TempDir dir;
  Args base{"train",     "--data", "synthetic",     "--samples", "192", "--seed",     "4",
            "--threads", "1",      "--no_progress", "--epochs",  "2",   "--drop_last"};
  base.insert(base.end(), {"--model", testing::source_dir() + "/tests/data/plugins/gathered_negatives.cpp"});
  ASSERT_TRUE(train_two_and_one(base, dir));
  const std::string two_run = dir / "checkpoints/two/1", one_run = dir / "checkpoints/one/1";
  for (const auto& row : read_metrics(two_run))
    if (row.name == "compared") EXPECT_EQ(row.value, 32) << "every row of the global batch";
  EXPECT_LT(largest_difference(testing::run_state(two_run), testing::run_state(one_run)), 1e-5);
}

TEST(DataParallel, TwoProcessesOfBatch16TrainAsOneOfBatch32) {
  testing::TempDir dir;
  ProcessResult parallel = testing::run_forge(
      with(synthetic, {"--epochs", "2", "--batch_size", "16", "--nproc_per_node", "2", "--run_name", "parallel"}),
      dir.path());
  ASSERT_EQ(parallel.exit_status, 0) << parallel.output;
  ProcessResult single =
      testing::run_forge(with(synthetic, {"--epochs", "2", "--batch_size", "32", "--run_name", "single"}), dir.path());
  ASSERT_EQ(single.exit_status, 0) << single.output;

  const std::string parallel_run = dir / "checkpoints/parallel/1", single_run = dir / "checkpoints/single/1";
  EXPECT_EQ(read_json(parallel_run + "/manifest.json")["world_size"], 2);
  EXPECT_TRUE(says(testing::run_forge({"show", parallel_run}, dir.path()).output, "processes 2 (data-parallel)"));
  EXPECT_EQ(list_checkpoints(parallel_run), list_checkpoints(single_run));  // 7 steps an epoch, both
  // Equal up to the order of floating-point sums (two halves added, against one batch).
  EXPECT_LT(largest_difference(testing::run_state(parallel_run), testing::run_state(single_run)), 1e-5);
  // The logged train loss is the global batch's too.
  auto loss = [](const std::string& run) {
    for (const auto& row : read_metrics(run))
      if (row.split == "train_epoch" && row.name == "loss" && row.epoch == 2) return row.value;
    return -1.0;
  };
  EXPECT_NEAR(loss(parallel_run), loss(single_run), 1e-5);
  // Only rank 0 wrote: one log, one set of metrics.
  EXPECT_FALSE(says(parallel.output, "[rank 1]")) << parallel.output;
}

TEST(DataParallel, SigtermToTheLauncherInterruptsAllRanksAndResumeIsExact) {
  testing::TempDir dir;
  const Args parallel{"--epochs", "40", "--batch_size", "16", "--nproc_per_node", "2"};
  ProcessResult straight = testing::run_forge(with(synthetic,
                                                   [&] {
                                                     Args a = parallel;
                                                     a.insert(a.end(), {"--run_name", "straight"});
                                                     return a;
                                                   }()),
                                              dir.path());
  ASSERT_EQ(straight.exit_status, 0) << straight.output;

  Args stopped = with(synthetic, parallel);
  stopped.insert(stopped.end(), {"--run_name", "stopped"});
  const std::string run = dir / "checkpoints/stopped/1";
  const int pid = testing::spawn_forge(stopped, dir.path(), dir / "stopped.log");
  ASSERT_TRUE(testing::wait_until([&] { return !list_checkpoints(run).empty(); }, 60))
      << testing::text_or_empty(dir / "stopped.log");
  ::kill(pid, SIGTERM);
  EXPECT_EQ(testing::wait_for_exit(pid), 143) << testing::text_or_empty(dir / "stopped.log");
  EXPECT_EQ(testing::run_status(run), "interrupted");
  const int64_t stopped_at = list_checkpoints(run).back();
  EXPECT_LT(stopped_at, 40 * 7);

  // Three processes cannot share the global batch of 32: refused before any starts.
  ProcessResult three = testing::run_forge({"resume", run, "--nproc_per_node", "3"}, dir.path());
  EXPECT_EQ(three.exit_status, 2) << three.output;
  EXPECT_TRUE(says(three.output, "forge: error: run " + run +
                                     " trains a global batch of 32 (2 process(es) x --batch_size 16), which 3 "
                                     "processes cannot share evenly"))
      << three.output;
  EXPECT_EQ(testing::run_status(run), "interrupted");

  ProcessResult resumed = testing::run_forge({"resume", run}, dir.path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_TRUE(says(resumed.output, "resuming " + run + " from step " + std::to_string(stopped_at))) << resumed.output;
  EXPECT_EQ(testing::run_status(run), "completed");
  EXPECT_EQ(first_difference(testing::run_state(run), testing::run_state(dir / "checkpoints/straight/1")), "");
}

TEST(DataParallel, ADeadRankEndsTheRunWithOneClearErrorInsteadOfAHang) {
  testing::TempDir dir;
  const std::string run = dir / "checkpoints/dies/1";
  const int pid = testing::spawn_forge(
      with(synthetic, {"--epochs", "1000", "--batch_size", "16", "--nproc_per_node", "2", "--run_name", "dies"}),
      dir.path(), dir / "dies.log");
  ASSERT_TRUE(testing::wait_until(
      [&] { return testing::run_status(run) == "running" && testing::children_of(pid).size() == 2; }, 60))
      << testing::text_or_empty(dir / "dies.log");
  const auto killed = std::chrono::steady_clock::now();
  ::kill(testing::children_of(pid).back(), SIGKILL);
  EXPECT_EQ(testing::wait_for_exit(pid), 1) << testing::text_or_empty(dir / "dies.log");
  EXPECT_LT(std::chrono::steady_clock::now() - killed, std::chrono::seconds(40));
  const std::string log = testing::text_or_empty(dir / "dies.log");
  EXPECT_TRUE(says(log, "forge: error: data-parallel training failed: rank ")) << log;
  EXPECT_TRUE(says(log, "was killed by signal 9")) << log;
  EXPECT_TRUE(testing::run_status(run) == "failed" || testing::run_status(run) == "interrupted")
      << testing::run_status(run);
}

// --max_restarts: rank 1 and then rank 0 killed mid-run; each time the launcher stops the other
// rank and starts the group again from the newest checkpoint, and the run ends with the tensors
// of the same run trained straight through.
TEST(DataParallel, KilledRanksRestartTheGroupAndTheRunEndsAsIfUninterrupted) {
  testing::TempDir dir;
  const Args parallel{"--epochs", "150", "--batch_size", "16", "--nproc_per_node", "2", "--checkpoint_every", "3"};
  Args straight = with(synthetic, parallel), restarted = with(synthetic, parallel);
  straight.insert(straight.end(), {"--run_name", "straight"});
  restarted.insert(restarted.end(), {"--run_name", "restarted", "--max_restarts", "2"});
  ProcessResult uninterrupted = testing::run_forge(straight, dir.path());
  ASSERT_EQ(uninterrupted.exit_status, 0) << uninterrupted.output;

  const std::string run = dir / "checkpoints/restarted/1", log = dir / "restarted.log";
  const int pid = testing::spawn_forge(restarted, dir.path(), log);
  for (size_t restarts = 0; restarts < 2; ++restarts) {
    // Killed once the group (started again) has checkpointed past where it started.
    ASSERT_TRUE(testing::wait_until(
        [&] {
          if (testing::children_of(pid).size() != 2 || list_checkpoints(run).empty()) return false;
          const Manifest manifest = read_manifest(run);
          return manifest.restarts.size() == restarts &&
                 (restarts == 0 || list_checkpoints(run).back() > manifest.restarts.back().from_step);
        },
        60))
        << testing::text_or_empty(log);
    const std::vector<int> ranks = testing::children_of(pid);
    ::kill(restarts == 0 ? ranks.back() : ranks.front(), SIGKILL);
  }
  ASSERT_EQ(testing::wait_for_exit(pid), 0) << testing::text_or_empty(log);
  const std::string output = testing::text_or_empty(log);
  EXPECT_TRUE(says(output, "was killed by signal 9")) << output;
  EXPECT_TRUE(says(output, "; restart 1 of 2 from step ")) << output;
  EXPECT_TRUE(says(output, "; restart 2 of 2 from step ")) << output;
  const Manifest manifest = read_manifest(run);
  EXPECT_EQ(manifest.status, "completed");
  ASSERT_EQ(manifest.restarts.size(), 2u);
  EXPECT_EQ(manifest.restarts[0].exit, "was killed by signal 9");
  EXPECT_LT(manifest.restarts[0].from_step, manifest.restarts[1].from_step);
  EXPECT_EQ(manifest.resumes.size(), 2u);
  EXPECT_TRUE(
      says(testing::run_forge({"show", run}, dir.path()).output, ": rank 1 was killed by signal 9 after step "));
  EXPECT_EQ(first_difference(testing::run_state(run), testing::run_state(dir / "checkpoints/straight/1")), "");
}

// A two-process run of the doomed_rank plugin with `max_restarts`, in <dir>/checkpoints/<name>/1:
// once it has a checkpoint, rank 1 is doomed (its plugin refuses to load from then on) and
// killed. Returns the launcher's pid; its output goes to <dir>/<name>.log.
int start_doomed_run(const testing::TempDir& dir, const std::string& name, int max_restarts) {
  const Args doomed{"train",
                    "--data",
                    "synthetic",
                    "--model",
                    testing::fixtures_dir() + "/doomed_rank.so",
                    "--samples",
                    "200",
                    "--seed",
                    "4",
                    "--threads",
                    "1",
                    "--no_progress",
                    "--epochs",
                    "1000",
                    "--batch_size",
                    "16",
                    "--nproc_per_node",
                    "2",
                    "--max_restarts",
                    std::to_string(max_restarts),
                    "--run_name",
                    name};
  const std::string run = dir / ("checkpoints/" + name + "/1"), log = dir / (name + ".log");
  const int pid = testing::spawn_forge(doomed, dir.path(), log);
  EXPECT_TRUE(
      testing::wait_until([&] { return testing::children_of(pid).size() == 2 && !list_checkpoints(run).empty(); }, 60))
      << testing::text_or_empty(log);
  std::ofstream(dir / "doomed-rank1") << "";
  const std::vector<int> ranks = testing::children_of(pid);
  if (!ranks.empty()) ::kill(ranks.back(), SIGKILL);
  return pid;
}

// A rank that fails whenever it starts (its plugin refuses to load) ends the run after the
// restarts: status failed, one line naming the rank and its exit, the newest checkpoint intact.
TEST(DataParallel, ARankThatFailsAtEveryStartEndsTheRunAfterItsRestarts) {
  testing::TempDir dir;
  const std::string run = dir / "checkpoints/doomed/1", log = dir / "doomed.log";
  const int pid = start_doomed_run(dir, "doomed", 2);
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(testing::wait_for_exit(pid), 4) << testing::text_or_empty(log);
  const std::string output = testing::text_or_empty(log);
  EXPECT_TRUE(says(output, "forge: error: data-parallel training failed: rank 1 exited with code 4 after 2 restarts"))
      << output;
  const Manifest manifest = read_manifest(run);
  EXPECT_EQ(manifest.status, "failed");
  EXPECT_EQ(manifest.restarts.size(), 2u);
  // The newest checkpoint still loads: forge eval evaluates it.
  fs::remove(dir / "doomed-rank1");
  ProcessResult evaluated = testing::run_forge({"eval", run}, dir.path());
  EXPECT_EQ(evaluated.exit_status, 0) << evaluated.output;
}

// SIGTERM to the launcher while its group keeps failing and restarting stops it: no restart
// after the signal, an end within seconds.
TEST(DataParallel, SigtermWhileTheGroupRestartsStopsItWithoutAnotherRestart) {
  testing::TempDir dir;
  const std::string run = dir / "checkpoints/stopped/1", log = dir / "stopped.log";
  const int pid = start_doomed_run(dir, "stopped", 50);
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(testing::wait_until([&] { return read_manifest(run).restarts.size() >= 2; }, 60))
      << testing::text_or_empty(log);
  ::kill(pid, SIGTERM);
  const auto signalled = std::chrono::steady_clock::now();
  const size_t restarts = read_manifest(run).restarts.size();
  const int code = testing::wait_for_exit(pid);
  // The signal, or the doomed rank's own code when it failed in the same moment.
  EXPECT_TRUE(code == 128 + SIGTERM || code == 4) << code << testing::text_or_empty(log);
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, std::chrono::seconds(20));
  EXPECT_LE(read_manifest(run).restarts.size(), restarts + 1) << testing::text_or_empty(log);
  EXPECT_LT(read_manifest(run).restarts.size(), 50u);
}

// Kubernetes' PyTorchJob without an elastic policy starts a pod per rank with MASTER_ADDR,
// MASTER_PORT, WORLD_SIZE and RANK alone (no LOCAL_RANK), and the secret from a Secret: forge
// train --run_dir in each trains the run forge's own launcher trains. Started again (a pod's
// restartPolicy), the same command continues the run.
TEST(DataParallel, PyTorchJobVariablesTrainTheRunForgesLauncherTrains) {
  testing::TempDir dir;
  const Args common = with(synthetic, {"--batch_size", "16"});
  Args launched = common;
  launched.insert(launched.end(), {"--epochs", "3", "--nproc_per_node", "2", "--run_name", "launched"});
  ProcessResult reference = testing::run_forge(launched, dir.path());
  ASSERT_EQ(reference.exit_status, 0) << reference.output;

  const std::string run = dir / "shared/run";
  auto start_pods = [&](const std::string& epochs) {
    std::vector<int> pods;
    const std::map<std::string, std::string> job{{"MASTER_ADDR", "127.0.0.1"},
                                                 {"MASTER_PORT", std::to_string(33000 + ::getpid() % 20000)},
                                                 {"WORLD_SIZE", "2"},
                                                 {"FORGE_DIST_SECRET", "from-a-kubernetes-secret"}};
    for (const auto& [name, value] : job) ::setenv(name.c_str(), value.c_str(), 1);
    for (int rank : {0, 1}) {
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      Args pod = common;
      pod.insert(pod.end(), {"--run_dir", run, "--epochs", epochs});
      pods.push_back(testing::spawn_forge(pod, dir.path(), dir / ("pod" + std::to_string(rank) + ".log")));
    }
    for (const auto& [name, value] : job) ::unsetenv(name.c_str());
    ::unsetenv("RANK");
    for (int pod = 0; pod < 2; ++pod)
      EXPECT_EQ(testing::wait_for_exit(pods[pod]), 0)
          << testing::text_or_empty(dir / ("pod" + std::to_string(pod) + ".log"));
  };
  start_pods("3");
  EXPECT_EQ(testing::run_status(run), "completed");
  EXPECT_EQ(read_json(run + "/manifest.json")["world_size"], 2);
  EXPECT_EQ(first_difference(testing::run_state(run), testing::run_state(dir / "checkpoints/launched/1")), "");
  start_pods("4");  // the job's pods started again, asked for one epoch more
  EXPECT_TRUE(says(testing::text_or_empty(dir / "pod0.log"), "resuming " + run + " from step 21"))
      << testing::text_or_empty(dir / "pod0.log");
  EXPECT_EQ(list_checkpoints(run).back(), 28);
}

TEST(DataParallel, ARankThatNeverArrivesIsAnErrorWithinTheTimeout) {
  testing::TempDir dir;
  const auto started = std::chrono::steady_clock::now();
  ProcessResult alone =
      run_process({"env", "RANK=1", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "FORGE_DIST_SECRET=s",
                   "MASTER_PORT=" + std::to_string(30000 + ::getpid() % 20000), testing::forge_binary(), "train",
                   "--data", "synthetic", "--model", "mlp", "--dist_timeout", "3"},
                  dir.path());
  EXPECT_EQ(alone.exit_status, 1) << alone.output;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_TRUE(says(alone.output, "rank 1 of 2 could not join the others at 127.0.0.1:")) << alone.output;
  EXPECT_FALSE(fs::exists(dir / "checkpoints"));
}

// The rendezvous store listens on a port anyone who reaches it can write to: every key of a run
// lives under a prefix derived from FORGE_DIST_SECRET, so a process with another secret (or
// none) cannot address them. Two ranks with different secrets never find each other.
TEST(DataParallel, RanksWithAnotherSecretNeverJoinAndNoSecretIsRefused) {
  testing::TempDir dir;
  const std::string port = "MASTER_PORT=" + std::to_string(31000 + ::getpid() % 20000);
  auto rank = [&](int r, const std::string& secret) {
    return Args{"env",
                "RANK=" + std::to_string(r),
                "WORLD_SIZE=2",
                "MASTER_ADDR=127.0.0.1",
                port,
                "FORGE_DIST_SECRET=" + secret,
                testing::forge_binary(),
                "train",
                "--data",
                "synthetic",
                "--model",
                "mlp",
                "--dist_timeout",
                "3"};
  };
  pid_t zero = ::fork();
  if (zero == 0) {
    Args command = rank(0, "one secret");
    std::vector<char*> argv;
    for (auto& arg : command) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (::chdir(dir.path().c_str()) == 0) ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ProcessResult other = run_process(rank(1, "another secret"), dir.path());
  EXPECT_EQ(testing::wait_for_exit(zero), 1);
  EXPECT_EQ(other.exit_status, 1) << other.output;
  EXPECT_TRUE(says(other.output, "could not join the others")) << other.output;
  EXPECT_FALSE(fs::exists(dir / "checkpoints"));

  ProcessResult no_secret = run_process({"env", "RANK=1", "WORLD_SIZE=2", port, testing::forge_binary(), "train",
                                         "--data", "synthetic", "--model", "mlp"},
                                        dir.path());
  EXPECT_EQ(no_secret.exit_status, 2) << no_secret.output;
  EXPECT_TRUE(says(no_secret.output, "FORGE_DIST_SECRET is not set")) << no_secret.output;
  ProcessResult nodes = testing::run_forge(with(synthetic, {"--nnodes", "2", "--master_port", "29601"}), dir.path());
  EXPECT_EQ(nodes.exit_status, 2) << nodes.output;
  EXPECT_TRUE(says(nodes.output, "a run over several nodes needs FORGE_DIST_SECRET")) << nodes.output;
}

TEST(DataParallel, SettingsThatCannotWorkAreUsageErrors) {
  testing::TempDir dir;
  for (const auto& [more, says_what] : std::vector<std::pair<Args, std::string>>{
           {{"--nnodes", "2", "--node_rank", "2", "--master_port", "29600"}, "--node_rank 2 is not one of the 2 nodes"},
           {{"--nnodes", "2", "--node_rank", "1"}, "a run over several nodes needs --master_port"},
           {{"--nproc_per_node", "0"}, "--nproc_per_node and --nnodes must be at least 1"},
           {{"--nproc_per_node", "2", "--max_restarts", "-1"}, "--max_restarts must be 0 or more"},
           {{"--nnodes", "2", "--master_port", "29600", "--max_restarts", "1"},
            "--max_restarts over several nodes needs --run_dir"},
           {{"--dist_backend", "mpi"}, "invalid value 'mpi' for --dist_backend: expected auto, nccl or gloo"},
           // On the CPU: NCCL exchanges GPU tensors only (or this libtorch has no NCCL at all).
           {{"--dist_backend", "nccl"}, "--dist_backend nccl: "}}) {
    Args command{"train", "--data", "synthetic", "--model", "mlp"};
    command.insert(command.end(), more.begin(), more.end());
    ProcessResult result = testing::run_forge(command, dir.path());
    EXPECT_EQ(result.exit_status, 2) << result.output;
    EXPECT_TRUE(says(result.output, "forge: error: " + says_what)) << result.output;
  }
  EXPECT_FALSE(fs::exists(dir / "checkpoints"));
}

// Two network namespaces joined by a veth pair, 10.211.N.1 and 10.211.N.2: rank 0 on one
// "host", rank 1 on the other, both started as a cluster launcher would (environment variables).
class TwoHosts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "network namespaces take root";
    const std::string id = std::to_string(::getpid() % 200 + 10);
    subnet_ = "10.211." + id;
    a_ = "forge-a-" + id;
    b_ = "forge-b-" + id;
    for (const Args& command :
         std::vector<Args>{{"ip", "netns", "add", a_},
                           {"ip", "netns", "add", b_},
                           {"ip", "link", "add", "veth-fa" + id, "netns", a_, "type", "veth", "peer", "name",
                            "veth-fb" + id, "netns", b_},
                           {"ip", "-n", a_, "addr", "add", subnet_ + ".1/24", "dev", "veth-fa" + id},
                           {"ip", "-n", b_, "addr", "add", subnet_ + ".2/24", "dev", "veth-fb" + id},
                           {"ip", "-n", a_, "link", "set", "veth-fa" + id, "up"},
                           {"ip", "-n", b_, "link", "set", "veth-fb" + id, "up"},
                           {"ip", "-n", a_, "link", "set", "lo", "up"},
                           {"ip", "-n", b_, "link", "set", "lo", "up"}}) {
      ProcessResult done = run_process(command);
      ASSERT_EQ(done.exit_status, 0) << command[0] << " " << command[1] << " " << command[2] << ": " << done.output;
    }
  }
  void TearDown() override {
    if (a_.empty()) return;
    run_process({"ip", "netns", "del", a_});  // takes the veth pair with it
    run_process({"ip", "netns", "del", b_});
  }

  // forge as rank `rank` of 2 in namespace `ns`, rendezvous at rank 0's address.
  Args rank_in(const std::string& ns, int rank, const Args& train_args) const {
    Args command{"ip",
                 "netns",
                 "exec",
                 ns,
                 "env",
                 "RANK=" + std::to_string(rank),
                 "WORLD_SIZE=2",
                 "LOCAL_RANK=0",
                 "MASTER_ADDR=" + subnet_ + ".1",
                 "MASTER_PORT=29517",
                 "FORGE_DIST_SECRET=two hosts",
                 testing::forge_binary()};
    command.insert(command.end(), train_args.begin(), train_args.end());
    return command;
  }

  // Starts `command` in `cwd` without waiting (its output goes to the test's); wait with testing::wait_for_exit.
  static pid_t start(Args command, const std::string& cwd) {
    pid_t pid = ::fork();
    if (pid == 0) {
      std::vector<char*> argv;
      for (auto& arg : command) argv.push_back(arg.data());
      argv.push_back(nullptr);
      if (::chdir(cwd.c_str()) == 0) ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    return pid;
  }

  std::string subnet_, a_, b_;
};

TEST_F(TwoHosts, RanksInTwoNamespacesTrainOneRun) {
  testing::TempDir dir;
  const Args train =
      with(synthetic, {"--epochs", "2", "--batch_size", "16", "--run_name", "hosts", "--dist_timeout", "30"});
  // Rank 1 runs in the background; rank 0 runs to the end here.
  const pid_t other = start(rank_in(b_, 1, train), dir.path());
  ProcessResult first = run_process(rank_in(a_, 0, train), dir.path());
  EXPECT_EQ(testing::wait_for_exit(other), 0);
  ASSERT_EQ(first.exit_status, 0) << first.output;
  EXPECT_TRUE(says(first.output, "rendezvous at " + subnet_ + ".1:29517")) << first.output;
  const std::string run = dir / "checkpoints/hosts/1";
  EXPECT_EQ(testing::run_status(run), "completed");
  EXPECT_EQ(read_json(run + "/manifest.json")["world_size"], 2);
  EXPECT_FALSE(fs::exists(dir / "checkpoints/hosts/2"));  // rank 1 made no folder of its own
}

// forge's own launcher on each "host": --nnodes 2, one process per node, this node's --node_rank.
TEST_F(TwoHosts, EachNodesLauncherStartsItsRanks) {
  testing::TempDir dir;
  auto node = [&](const std::string& ns, int rank) {
    Args command{"ip", "netns", "exec", ns, "env", "FORGE_DIST_SECRET=two nodes", testing::forge_binary()};
    for (const auto& arg : with(synthetic, {"--epochs", "1", "--batch_size", "16", "--run_name", "nodes", "--nnodes",
                                            "2", "--node_rank", std::to_string(rank), "--master_addr", subnet_ + ".1",
                                            "--master_port", "29518", "--dist_timeout", "30"}))
      command.push_back(arg);
    return command;
  };
  const pid_t other = start(node(b_, 1), dir.path());
  ProcessResult first = run_process(node(a_, 0), dir.path());
  EXPECT_EQ(testing::wait_for_exit(other), 0);
  ASSERT_EQ(first.exit_status, 0) << first.output;
  EXPECT_TRUE(says(first.output, "starting ranks 0 to 0 of 2")) << first.output;
  EXPECT_EQ(testing::run_status(dir / "checkpoints/nodes/1"), "completed");
  EXPECT_EQ(read_json(dir / "checkpoints/nodes/1/manifest.json")["world_size"], 2);
}

}  // namespace
}  // namespace forge
