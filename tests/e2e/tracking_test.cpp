// Tracking on a real MLflow server (tests/mlflow/server.sh starts `mlflow server` from PyPI on
// 127.0.0.1 with a SQLite store, and stops it by pid), checked with MLflow's own Python client
// (tests/e2e/mlflow_run.py) and TensorBoard's own HParams plugin (tensorboard_hparams.py):
// live tracking, kill -9 and resume, a server that goes down and comes back, one that is never
// there, wrong credentials, forge sync, and a sweep as a parent run with its points.
#include "core/json_file.hpp"
#include "core/process.hpp"
#include "runs/run_files.hpp"
#include "runs/run_lock.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using Args = std::vector<std::string>;

std::string venv_python(const std::string& venv) { return testing::source_dir() + "/" + venv + "/bin/python"; }

// The tracking warnings in the run's log.txt (which names each line's level).
int tracking_warnings(const std::string& run_dir) {
  std::istringstream lines(testing::text_or_empty(run_dir + "/log.txt"));
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) count += line.find(" warning tracking:") != std::string::npos;
  return count;
}

// Lines that mention the tracking server at all.
int tracking_lines(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) count += line.find("tracking:") != std::string::npos;
  return count;
}

// A server of a test's own, on a port of its own (`which`: 0, 1, 2 per process).
class MlflowServer {
 public:
  explicit MlflowServer(int which, bool basic_auth = false)
      : port_(std::to_string(30000 + (::getpid() * 3 + which) % 20000)), basic_auth_(basic_auth) {}
  ~MlflowServer() { stop(); }

  bool start() {
    Args args = {"bash", script(), "start", dir_.path(), port_};
    if (basic_auth_) args.push_back("--basic-auth");
    ProcessResult started = run_process(args);
    if (started.exit_status != 0) std::cerr << started.output;
    return started.exit_status == 0;
  }
  void stop() { run_process({"bash", script(), "stop", dir_.path()}); }
  std::string uri() const { return "http://127.0.0.1:" + port_; }

 private:
  static std::string script() { return testing::source_dir() + "/tests/mlflow/server.sh"; }
  testing::TempDir dir_;
  std::string port_;
  bool basic_auth_;
};

// The tests share one server: ctest's (FORGE_TEST_MLFLOW_URI, tests/CMakeLists.txt), or when the
// program runs alone one of its own.
class Tracking : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(venv_python(".venv-mlflow"))) return;
    if (const char* shared = std::getenv("FORGE_TEST_MLFLOW_URI")) {
      uri_ = shared;
      return;
    }
    own_server_ = new MlflowServer(0);
    if (own_server_->start()) uri_ = own_server_->uri();
  }
  static void TearDownTestSuite() {
    delete own_server_;
    own_server_ = nullptr;
  }
  void SetUp() override {
    if (!fs::exists(venv_python(".venv-mlflow"))) GTEST_SKIP() << "no .venv-mlflow (bash scripts/setup.sh)";
    ASSERT_FALSE(uri_.empty()) << "the MLflow server did not start";
  }

  // What the server holds of the run, as MLflow's client reads it.
  static json on_server(const std::string& run_dir, const std::string& uri = "") {
    ProcessResult read = run_process({venv_python(".venv-mlflow"), testing::source_dir() + "/tests/e2e/mlflow_run.py",
                                      uri.empty() ? uri_ : uri, run_dir});
    EXPECT_EQ(read.exit_status, 0) << read.output;
    try {
      return json::parse(read.output.substr(read.output.find('{')));
    } catch (const std::exception&) {
      ADD_FAILURE() << read.output;
      return json::object();
    }
  }

  static void expect_complete(const json& run) {
    EXPECT_FALSE(run.contains("error")) << run.dump();
    EXPECT_TRUE(run.value("history_equals_metrics_csv", false)) << run.dump();
    EXPECT_EQ(run.value("duplicates", -1), 0) << run.dump();
    EXPECT_EQ(run.value("history_points", -1), run.value("csv_rows", -2)) << run.dump();
    EXPECT_GT(run.value("csv_rows", 0), 0);
    EXPECT_EQ(run.value("status", ""), "FINISHED") << run.dump();
  }

  testing::TempDir dir_;
  static inline MlflowServer* own_server_ = nullptr;
  static inline std::string uri_;
};

// Rows of metrics.csv at epoch ends: how far training got.
int epochs_in(const std::string& run_dir) {
  std::ifstream in(metrics_file(run_dir));
  std::string line;
  int count = 0;
  while (std::getline(in, line)) count += line.find(",train_epoch,loss,") != std::string::npos;
  return count;
}

TEST_F(Tracking, ARunsHistoryParamsStatusAndArtifactsOnTheServerAreItsFolders) {
  auto trained = testing::run_forge({"train", "--data", "synthetic", "--model", "mlp", "--epochs", "3", "--seed", "2",
                                     "--log_every", "1", "--run_name", "live", "--no_progress", "--tracking_uri", uri_},
                                    dir_.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  EXPECT_EQ(tracking_lines(trained.output), 0) << trained.output;
  json run = on_server(dir_ / "checkpoints/live/1");
  expect_complete(run);
  EXPECT_TRUE(run.value("params_equal_flags", false)) << run.dump();
  EXPECT_EQ(run.value("epoch_points", 0), run.value("csv_steps", -1));  // `epoch` once at each step with rows
  const json artifacts = run.value("artifacts", json::array());
  for (const char* file : {"flags.json", "manifest.json", "model.json", "report.html"})
    EXPECT_NE(std::find(artifacts.begin(), artifacts.end(), file), artifacts.end()) << file << ": " << artifacts.dump();
  EXPECT_NE(std::find(artifacts.begin(), artifacts.end(), "tables/test/confusion_matrix-step-00000048.csv"),
            artifacts.end())
      << artifacts.dump();
  EXPECT_EQ(run["tags"].value("forge.model.plugin", ""), "mlp");
  EXPECT_EQ(run["tags"].value("forge.world_size", ""), "1");
}

TEST_F(Tracking, KilledTwiceAndResumedTheHistoryHasNoDuplicateAndNoGap) {
  const std::string run = dir_ / "checkpoints/k9/1";
  const std::string log = dir_ / "k9.log";
  const Args train = {"train",
                      "--data",
                      "synthetic",
                      "--model",
                      "mlp",
                      "--epochs",
                      "60",
                      "--samples",
                      "4096",
                      "--seed",
                      "4",
                      "--log_every",
                      "5",
                      "--checkpoint_every",
                      "40",
                      "--run_name",
                      "k9",
                      "--no_progress",
                      "--tracking_uri",
                      uri_};
  int pid = testing::spawn_forge(train, dir_.path(), log);
  ASSERT_TRUE(testing::wait_until([&] { return epochs_in(run) >= 10 && fs::exists(run + "/tracking.json"); }));
  ::kill(pid, SIGKILL);
  testing::wait_for_exit(pid);
  for (int second_kill : {1, 0}) {
    const int before = epochs_in(run);
    pid = testing::spawn_forge({"resume", run}, dir_.path(), log);
    if (second_kill) {
      ASSERT_TRUE(testing::wait_until([&] { return epochs_in(run) >= before + 10; }));
      ::kill(pid, SIGKILL);
    }
    EXPECT_EQ(testing::wait_for_exit(pid), second_kill ? 128 + SIGKILL : 0) << testing::text_or_empty(log);
  }
  EXPECT_EQ(testing::run_status(run), "completed");
  expect_complete(on_server(run));
  if (HasFailure()) std::cerr << testing::text_or_empty(log);
}

// Rows past the newest checkpoint that the server already has are redone by the resume: the
// same values, but for the measured speed, which the server must not have been sent yet.
TEST_F(Tracking, AKillBeforeAnyCheckpointLeavesNoSpeedOnTheServerThatTheResumeDidNotMeasure) {
  const std::string run = dir_ / "checkpoints/early/1";
  const std::string log = dir_ / "early.log";
  int pid = testing::spawn_forge({"train",          "--data",    "synthetic",  "--model", "mlp",
                                  "--epochs",       "1",         "--samples",  "524288",  "--n_hidden",
                                  "1024",           "--threads", "1",          "--seed",  "6",
                                  "--log_every",    "20",        "--run_name", "early",   "--no_progress",
                                  "--tracking_uri", uri_},
                                 dir_.path(), log);
  auto rows_sent = [&] {
    const std::string record = testing::text_or_empty(run + "/tracking.json");
    return record.empty() ? 0 : read_json(run + "/tracking.json")["servers"][uri_].value("rows_done", 0);
  };
  ASSERT_TRUE(testing::wait_until([&] { return rows_sent() >= 5 || epochs_in(run) > 0; }));
  ::kill(pid, SIGKILL);
  testing::wait_for_exit(pid);
  ASSERT_EQ(epochs_in(run), 0) << "the epoch ended before the server had rows: the test needs a longer one";
  auto resumed = testing::run_forge({"resume", run}, dir_.path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  expect_complete(on_server(run));
}

TEST_F(Tracking, AServerDownFromAThirdToTwoThirdsOfARunCostsOneWarningAndMissesNothing) {
  MlflowServer server(1);  // its own: the others' stays up
  ASSERT_TRUE(server.start());
  const std::string run = dir_ / "checkpoints/outage/1";
  const std::string log = dir_ / "outage.log";
  const int epochs = 200;
  int pid = testing::spawn_forge({"train",
                                  "--data",
                                  "synthetic",
                                  "--model",
                                  "mlp",
                                  "--epochs",
                                  std::to_string(epochs),
                                  "--samples",
                                  "8192",
                                  "--n_hidden",
                                  "1024",
                                  "--threads",
                                  "1",
                                  "--seed",
                                  "3",
                                  "--log_every",
                                  "20",
                                  "--run_name",
                                  "outage",
                                  "--no_progress",
                                  "--tracking_uri",
                                  server.uri()},
                                 dir_.path(), log);
  ASSERT_TRUE(testing::wait_until([&] { return epochs_in(run) >= epochs * 3 / 10; }));
  server.stop();
  ASSERT_TRUE(testing::wait_until([&] { return epochs_in(run) >= epochs * 7 / 10; }));
  ASSERT_TRUE(server.start());
  ASSERT_EQ(testing::wait_for_exit(pid), 0) << testing::text_or_empty(log);
  const std::string output = testing::text_or_empty(log);
  EXPECT_EQ(tracking_warnings(run), 1) << output;
  json on = on_server(run, server.uri());
  if (!on.value("history_equals_metrics_csv", false)) {
    // Training outran the restart: forge sync sends the rest.
    auto synced = testing::run_forge({"sync", run, "--tracking_uri", server.uri()}, dir_.path());
    ASSERT_EQ(synced.exit_status, 0) << synced.output;
    on = on_server(run, server.uri());
  }
  expect_complete(on);
}

TEST_F(Tracking, AServerNeverThereCostsOneWarningAndForgeSyncSendsTheRunLater) {
  const std::string closed = "http://127.0.0.1:9";  // discard: nothing listens there
  auto trained = testing::run_forge({"train", "--data", "synthetic", "--model", "mlp", "--epochs", "2", "--seed", "5",
                                     "--run_name", "offline", "--no_progress", "--tracking_uri", closed},
                                    dir_.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  const std::string run = dir_ / "checkpoints/offline/1";
  EXPECT_EQ(tracking_warnings(run), 1) << trained.output;
  EXPECT_NE(trained.output.find("forge sync checkpoints/offline/1"), std::string::npos) << trained.output;

  auto unreachable = testing::run_forge({"sync", run, "--tracking_uri", closed}, dir_.path());
  EXPECT_EQ(unreachable.exit_status, 1) << unreachable.output;
  EXPECT_NE(unreachable.output.find("did not answer"), std::string::npos) << unreachable.output;

  ::setenv("MLFLOW_TRACKING_URI", uri_.c_str(), 1);
  auto synced = testing::run_forge({"sync", run}, dir_.path());
  auto again = testing::run_forge({"sync", run}, dir_.path());
  ::unsetenv("MLFLOW_TRACKING_URI");
  ASSERT_EQ(synced.exit_status, 0) << synced.output;
  EXPECT_NE(again.output.find(": 0 metric rows sent"), std::string::npos) << again.output;
  json on = on_server(run);
  expect_complete(on);
  EXPECT_TRUE(on.value("params_equal_flags", false));
}

// A server that fails the run's first requests at once (a 503) is tried again when the run ends,
// even when the run ended before its next regular attempt. (It once was not: a run shorter than
// one interval left its status RUNNING.)
TEST_F(Tracking, ARunEndingRightAfterAFailedRequestStillSendsItsEnd) {
  const std::string port_file = dir_ / "proxy.port";
  SpawnOptions quiet;
  quiet.output_file = dir_ / "proxy.log";
  const int proxy = spawn_process(
      {"/usr/bin/python3", testing::source_dir() + "/tests/mlflow/flaky_proxy.py", uri_, "2", port_file}, quiet);
  ASSERT_TRUE(testing::wait_until([&] { return fs::exists(port_file); }, 30))
      << testing::text_or_empty(dir_ / "proxy.log");
  const std::string flaky = "http://127.0.0.1:" + testing::text_or_empty(port_file);
  auto trained = testing::run_forge({"train", "--data", "synthetic", "--model", "mlp", "--epochs", "2", "--seed", "8",
                                     "--run_name", "flaky", "--no_progress", "--tracking_uri", flaky},
                                    dir_.path());
  ::kill(proxy, SIGTERM);
  ::waitpid(proxy, nullptr, 0);
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  const std::string run = dir_ / "checkpoints/flaky/1";
  EXPECT_EQ(tracking_warnings(run), 1) << trained.output;
  EXPECT_NE(trained.output.find("answers again"), std::string::npos) << trained.output;
  expect_complete(on_server(run));
}

TEST_F(Tracking, WrongCredentialsAreOneLineAndTrainingCompletes) {
  MlflowServer guarded(2, /*basic_auth=*/true);
  ASSERT_TRUE(guarded.start());
  ::setenv("MLFLOW_TRACKING_USERNAME", "admin", 1);
  ::setenv("MLFLOW_TRACKING_PASSWORD", "not-the-password", 1);
  auto trained = testing::run_forge({"train", "--data", "synthetic", "--model", "mlp", "--epochs", "2", "--seed", "5",
                                     "--run_name", "guarded", "--no_progress", "--tracking_uri", guarded.uri()},
                                    dir_.path());
  const std::string run = dir_ / "checkpoints/guarded/1";
  auto refused = testing::run_forge({"sync", run, "--tracking_uri", guarded.uri()}, dir_.path());
  ::setenv("MLFLOW_TRACKING_PASSWORD", "forge-admin-pw", 1);
  auto synced = testing::run_forge({"sync", run, "--tracking_uri", guarded.uri()}, dir_.path());
  ::unsetenv("MLFLOW_TRACKING_USERNAME");
  ::unsetenv("MLFLOW_TRACKING_PASSWORD");

  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  EXPECT_EQ(tracking_lines(trained.output), 1) << trained.output;
  EXPECT_NE(trained.output.find("HTTP 401"), std::string::npos) << trained.output;
  EXPECT_EQ(testing::run_status(run), "completed");
  EXPECT_EQ(refused.exit_status, 1) << refused.output;
  EXPECT_NE(refused.output.find("HTTP 401"), std::string::npos) << refused.output;
  ASSERT_EQ(synced.exit_status, 0) << synced.output;
  ::setenv("MLFLOW_TRACKING_USERNAME", "admin", 1);
  ::setenv("MLFLOW_TRACKING_PASSWORD", "forge-admin-pw", 1);
  json on = on_server(run, guarded.uri());
  ::unsetenv("MLFLOW_TRACKING_USERNAME");
  ::unsetenv("MLFLOW_TRACKING_PASSWORD");
  expect_complete(on);
}

TEST_F(Tracking, ASweepIsAParentRunOverItsPointsAndTensorBoardsHParamsListsThem) {
  auto swept = testing::run_forge(
      {"sweep", "--data", "synthetic",      "--model",    "mlp",  "--epochs",   "2",    "--seed",
       "1",     "--lr",   "0.01,0.1",       "--n_hidden", "8,16", "--run_name", "grid", "--no_progress",
       "-j",    "2",      "--tracking_uri", uri_},
      dir_.path());
  ASSERT_EQ(swept.exit_status, 0) << swept.output;
  std::string parent;
  std::set<std::string> values;
  for (int n = 1; n <= 4; ++n) {
    json point = on_server(dir_ / ("checkpoints/grid/" + std::to_string(n)));
    expect_complete(point);
    EXPECT_FALSE(point.value("parent", "").empty()) << point.dump();
    if (parent.empty()) parent = point.value("parent", "");
    EXPECT_EQ(point.value("parent", ""), parent);
  }
  fs::path sweep_folder;
  for (const auto& entry : fs::directory_iterator(dir_ / "checkpoints/grid/sweeps")) sweep_folder = entry.path();
  // The parent, as MLflow's client finds it.
  ProcessResult parent_run = run_process(
      {venv_python(".venv-mlflow"), "-c",
       "import sys; from mlflow.tracking import MlflowClient; r = MlflowClient(sys.argv[1]).get_run(sys.argv[2]); "
       "print(r.info.status, r.info.run_name, r.data.params.get('lr'), r.data.params.get('n_hidden'))",
       uri_, parent});
  EXPECT_EQ(parent_run.exit_status, 0) << parent_run.output;
  EXPECT_NE(parent_run.output.find("FINISHED sweep " + sweep_folder.filename().string() + " 0.01,0.1 8,16"),
            std::string::npos)
      << parent_run.output;

  if (!fs::exists(venv_python(".venv-torch"))) GTEST_SKIP() << "no .venv-torch for TensorBoard";
  ProcessResult listed = run_process(
      {venv_python(".venv-torch"), testing::source_dir() + "/tests/e2e/tensorboard_hparams.py", sweep_folder.string()});
  ASSERT_EQ(listed.exit_status, 0) << listed.output;
  json view = json::parse(listed.output.substr(listed.output.find('{')));
  EXPECT_EQ(view["experiment"]["hparams"], json({"lr", "n_hidden"}));
  const json& sessions = view["sessions"];
  ASSERT_EQ(sessions.size(), 4u) << listed.output;
  for (const json& session : sessions) {
    EXPECT_EQ(session.value("status", ""), "STATUS_SUCCESS");
    EXPECT_TRUE(session["metrics"].contains("test/accuracy")) << session.dump();
    values.insert(session["hparams"]["lr"].dump() + " " + session["hparams"]["n_hidden"].dump());
  }
  EXPECT_EQ(values, (std::set<std::string>{"0.01 8.0", "0.01 16.0", "0.1 8.0", "0.1 16.0"}));
}

// Bad tracking settings are caught before anything is trained or written.
TEST(TrackingErrors, BadUrisAreOneLineUsageErrorsAndANonHttpEnvironmentIsOnlyAWarning) {
  testing::TempDir dir;
  for (const std::string& uri : {"file:./mlruns", "databricks", "http://user:secret@127.0.0.1:5000", "http://"}) {
    auto refused = testing::run_forge(
        {"train", "--data", "synthetic", "--model", "mlp", "--epochs", "1", "--seed", "1", "--tracking_uri", uri},
        dir.path());
    EXPECT_EQ(refused.exit_status, 2) << uri << ": " << refused.output;
    EXPECT_EQ(refused.output.rfind("forge: error: --tracking_uri: ", 0), 0u) << refused.output;
    EXPECT_EQ(refused.output.find('\n'), refused.output.size() - 1) << refused.output;
  }
  EXPECT_FALSE(fs::exists(dir / "checkpoints"));

  ::setenv("MLFLOW_TRACKING_URI", "file:./mlruns", 1);
  auto trained = testing::run_forge(
      {"train", "--data", "synthetic", "--model", "mlp", "--epochs", "1", "--run_name", "plain", "--no_progress"},
      dir.path());
  auto no_server = testing::run_forge({"sync", dir / "checkpoints"}, dir.path());
  ::unsetenv("MLFLOW_TRACKING_URI");
  EXPECT_EQ(trained.exit_status, 0) << trained.output;
  EXPECT_NE(trained.output.find("MLFLOW_TRACKING_URI is not used"), std::string::npos) << trained.output;
  EXPECT_EQ(no_server.exit_status, 2) << no_server.output;

  fs::create_directories(dir / "empty");
  auto no_run = testing::run_forge({"sync", dir / "empty", "--tracking_uri", "http://127.0.0.1:9"}, dir.path());
  auto missing = testing::run_forge({"sync", dir / "nowhere", "--tracking_uri", "http://127.0.0.1:9"}, dir.path());
  auto none = testing::run_forge({"sync"}, dir.path());
  EXPECT_EQ(no_run.exit_status, 5) << no_run.output;
  EXPECT_EQ(missing.exit_status, 5) << missing.output;
  EXPECT_EQ(none.exit_status, 2) << none.output;
}

// A run another process is training is left to that process (which sends it itself): one line,
// exit 1, before any request (the server named here is not even there).
TEST(TrackingErrors, ARunBeingTrainedIsNotSyncedButSaidSo) {
  testing::TempDir dir;
  const std::string run = dir / "checkpoints/busy/1";
  int pid = testing::spawn_forge({"train", "--data", "synthetic", "--model", "mlp", "--epochs", "500", "--seed", "1",
                                  "--run_name", "busy", "--no_progress"},
                                 dir.path(), dir / "busy.log");
  ASSERT_TRUE(testing::wait_until([&] { return fs::exists(run + "/manifest.json") && is_run_locked(run); }));
  auto refused = testing::run_forge({"sync", run, "--tracking_uri", "http://127.0.0.1:9"}, dir.path());
  ::kill(pid, SIGINT);
  EXPECT_EQ(testing::wait_for_exit(pid), 130);
  EXPECT_EQ(refused.exit_status, 1) << refused.output;
  EXPECT_NE(refused.output.find(run + ": not sent: "), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("being trained by another process"), std::string::npos) << refused.output;
  EXPECT_EQ(refused.output.find('\n'), refused.output.size() - 1) << refused.output;
  EXPECT_FALSE(fs::exists(tracking_file(run)));
}

}  // namespace
}  // namespace forge
