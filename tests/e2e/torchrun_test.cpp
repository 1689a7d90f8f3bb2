// torchrun (TorchElastic, from the PyPI wheel's .venv-torch) launching forge as it is
// (--no-python): its agent hosts the rendezvous store and restarts the workers; forge follows
// its rules (every rank a client of the agent's store, under the attempt's prefix) and a
// restarted attempt continues the run in --run_dir from its newest checkpoint, exactly.
// torchrun's store speaks its own libtorch's protocol: the tests run where forge was built
// against that same libtorch (the wheel's build), and say why they skip elsewhere.
#include "core/build_config.hpp"
#include "reference_run.hpp"
#include "runs/checkpoint_files.hpp"
#include "runs/manifest.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using Args = std::vector<std::string>;

// The wheel's torch version ("2.15.0"), or "" when there is no .venv-torch.
std::string wheel_torch_version() {
  const fs::path lib = fs::path(testing::source_dir()) / ".venv-torch/lib";
  if (!fs::is_directory(lib)) return "";
  for (const auto& python : fs::directory_iterator(lib)) {
    std::smatch version;
    const std::string text = testing::text_or_empty((python.path() / "site-packages/torch/version.py").string());
    if (std::regex_search(text, version, std::regex("__version__ = '([0-9.]+)"))) return version[1];
  }
  return "";
}

// Whether something accepts connections at "127.0.0.1:PORT".
bool listening(const std::string& endpoint) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in where{};
  where.sin_family = AF_INET;
  where.sin_port = htons(uint16_t(std::stoi(endpoint.substr(endpoint.find(':') + 1))));
  ::inet_pton(AF_INET, "127.0.0.1", &where.sin_addr);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&where), sizeof where) == 0;
  ::close(fd);
  return connected;
}

class Torchrun : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string wheel = wheel_torch_version();
    if (wheel.empty()) GTEST_SKIP() << "no .venv-torch (bash scripts/setup.sh --torch pypi)";
    const std::string ours = build_config().libtorch_version;
    if (ours.substr(0, ours.find('+')) != wheel)
      GTEST_SKIP() << "forge is built against libtorch " << ours << ", torchrun is torch " << wheel;
    ::setenv("FORGE_DIST_SECRET", "torchrun test secret", 1);
  }
  void TearDown() override { ::unsetenv("FORGE_DIST_SECRET"); }

  // torchrun with `launch` (its own flags), running forge train with `train` in --run_dir `run`.
  int start(const Args& launch, const std::string& run, const std::string& log) {
    Args command{testing::source_dir() + "/.venv-torch/bin/torchrun", "--no-python"};
    command.insert(command.end(), launch.begin(), launch.end());
    for (const std::string& arg : {testing::forge_binary(), std::string("train"), std::string("--run_dir"), run})
      command.push_back(arg);
    command.insert(command.end(), train_.begin(), train_.end());
    return testing::spawn(command, dir_.path(), log);
  }

  // A rendezvous endpoint on a port free now (a fixed one may be some connection's).
  static std::string endpoint() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in where{};
    where.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &where.sin_addr);
    socklen_t length = sizeof where;
    ::bind(fd, reinterpret_cast<sockaddr*>(&where), sizeof where);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&where), &length);
    ::close(fd);
    return "127.0.0.1:" + std::to_string(ntohs(where.sin_port));
  }

  testing::TempDir dir_;
  const Args train_{"--data",    "synthetic", "--model",      "mlp", "--samples",     "200",      "--seed", "4",
                    "--threads", "1",         "--batch_size", "16",  "--no_progress", "--epochs", "400"};
};

TEST_F(Torchrun, AKilledWorkerIsRestartedAndTheRunEndsAsTheUninterruptedOne) {
  const Args two{"--nproc-per-node", "2", "--max-restarts", "1", "--rdzv-backend", "c10d", "--rdzv-endpoint"};
  Args straight = two, restarted = two;
  straight.push_back(endpoint());
  restarted.push_back(endpoint());
  const std::string straight_run = dir_ / "straight", run = dir_ / "restarted";
  ASSERT_EQ(testing::wait_for_exit(start(straight, straight_run, dir_ / "straight.log")), 0)
      << testing::text_or_empty(dir_ / "straight.log");

  const int agent = start(restarted, run, dir_ / "restarted.log");
  // A worker: a forge process the agent started.
  auto workers = [&] {
    std::vector<int> forge;
    for (int child : testing::children_of(agent)) {
      boost::system::error_code gone;
      const std::string exe = fs::read_symlink("/proc/" + std::to_string(child) + "/exe", gone).filename().string();
      if (exe.rfind("forge", 0) == 0) forge.push_back(child);  // forge, or the forge-engine it became
    }
    return forge;
  };
  ASSERT_TRUE(testing::wait_until([&] { return workers().size() == 2 && !list_checkpoints(run).empty(); }, 60))
      << testing::text_or_empty(dir_ / "restarted.log");
  ::kill(workers().back(), SIGKILL);
  ASSERT_EQ(testing::wait_for_exit(agent), 0) << testing::text_or_empty(dir_ / "restarted.log");
  const Manifest manifest = read_manifest(run);
  EXPECT_EQ(manifest.status, "completed");
  EXPECT_EQ(manifest.resumes.size(), 1u) << "the restarted attempt resumed the run";
  EXPECT_EQ(first_difference(testing::run_state(run), testing::run_state(straight_run)), "");
}

// Two agents on one host, each a node of --nnodes 2 with one worker, meet over 127.0.0.1 and
// train one run, the run forge's own launcher trains with two processes.
TEST_F(Torchrun, TwoAgentsFormTwoNodesOfOneRun) {
  const Args node{"--nnodes",  "2",         "--nproc-per-node", "1",       "--rdzv-backend", "c10d",
                  "--rdzv-id", "two-nodes", "--rdzv-endpoint",  endpoint()};
  const std::string run = dir_ / "nodes";
  const int first = start(node, run, dir_ / "node0.log"), second = start(node, run, dir_ / "node1.log");
  EXPECT_EQ(testing::wait_for_exit(first), 0) << testing::text_or_empty(dir_ / "node0.log");
  EXPECT_EQ(testing::wait_for_exit(second), 0) << testing::text_or_empty(dir_ / "node1.log");
  EXPECT_EQ(testing::run_status(run), "completed");
  EXPECT_EQ(read_manifest(run).world_size, 2);

  Args launched = {"train", "--nproc_per_node", "2", "--run_name", "launched"};
  launched.insert(launched.end(), train_.begin(), train_.end());
  ProcessResult reference = testing::run_forge(launched, dir_.path());
  ASSERT_EQ(reference.exit_status, 0) << reference.output;
  EXPECT_EQ(first_difference(testing::run_state(run), testing::run_state(dir_ / "checkpoints/launched/1")), "");
}

// Elastic: two agents of --nnodes 1:2 train a run; one node is lost (its agent and worker killed),
// and the other's agent meets alone and restarts its worker, which continues the run on one
// process, taking the whole global batch.
TEST_F(Torchrun, ANodeLostTheOtherContinuesTheRunAlone) {
  const Args node{"--nnodes",        "1:2",     "--nproc-per-node", "1",      "--max-restarts", "2",
                  "--rdzv-backend",  "c10d",    "--rdzv-id",        "shrink", "--rdzv-conf",    "last_call_timeout=10",
                  "--rdzv-endpoint", endpoint()};
  const std::string run = dir_ / "shrinking";
  // The first agent hosts the rendezvous store: the one that stays.
  const int staying = start(node, run, dir_ / "staying.log");
  ASSERT_TRUE(testing::wait_until([&] { return listening(node.back()); }, 60))
      << testing::text_or_empty(dir_ / "staying.log");
  const int lost = start(node, run, dir_ / "lost.log");
  // Both nodes train: the second joins the first rendezvous within its last call (10 s).
  ASSERT_TRUE(testing::wait_until(
      [&] {
        return fs::exists(run + "/manifest.json") && read_manifest(run).world_size == 2 &&
               !list_checkpoints(run).empty() && testing::run_status(run) == "running";
      },
      60))
      << testing::text_or_empty(dir_ / "staying.log");
  for (int worker : testing::children_of(lost)) ::kill(worker, SIGKILL);
  ::kill(lost, SIGKILL);
  testing::wait_for_exit(lost);
  ASSERT_EQ(testing::wait_for_exit(staying), 0) << testing::text_or_empty(dir_ / "staying.log");
  const std::string output = testing::text_or_empty(dir_ / "staying.log");
  EXPECT_NE(output.find("continues on 1 process(es) instead of 2: --batch_size 32 each keeps its global batch of 32"),
            std::string::npos)
      << output;
  const Manifest manifest = read_manifest(run);
  EXPECT_EQ(manifest.status, "completed");
  EXPECT_EQ(manifest.world_size, 1);
}

}  // namespace
}  // namespace forge
