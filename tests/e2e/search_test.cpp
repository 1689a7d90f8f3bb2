// forge search as a user runs it: ASHA on real training, promotions that continue a trial's run
// exactly (the best trial is the run `forge train` with its flags makes), a search killed with
// -9 three times that decides as the uninterrupted one did, and bad searches refused in one line
// before anything is written.
#include "app/resume_exactness.hpp"
#include "runs/run_summary.hpp"
#include "search/scheduler.hpp"
#include "search/study.hpp"
#include "slurm_cluster.hpp"
#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using Args = std::vector<std::string>;
using testing::last_line;

// Nine trials of the mlp on synthetic data, ASHA from 1 to 9 epochs (rungs 1, 3, 9).
Args small_search() {
  return {"search",        "--data",
          "synthetic",     "--model",
          "mlp",           "--samples",
          "256",           "--valid_fraction",
          "0.25",          "--no_progress",
          "--lr",          "loguniform:1e-3:0.3",
          "--n_hidden",    "int:8:32",
          "--trials",      "9",
          "--max_budget",  "9",
          "--search_seed", "5"};
}

std::string the_study(const std::string& cwd) {
  const fs::path searches = fs::path(cwd) / "checkpoints/synthetic_mlp/searches";
  if (!fs::exists(searches)) return "";
  for (const auto& entry : fs::directory_iterator(searches)) return entry.path().string();
  return "";
}

// Epochs trained over all trials, counted from the run folders.
int64_t epochs_trained(const Study& study) {
  int64_t epochs = 0;
  for (const auto& t : study.trials) epochs += summarize_run(t.run_dir).epochs_done;
  return epochs;
}

TEST(Search, AshaTrialsContinueFromTheirCheckpointAndTheBestIsTheRunTrainedStraight) {
  testing::TempDir dir;
  Args args = small_search();
  args.insert(args.end(), {"-j", "2"});
  ProcessResult searched = testing::run_forge(args, dir.path());
  ASSERT_EQ(searched.exit_status, 0) << searched.output;
  EXPECT_NE(searched.output.find("best: trial "), std::string::npos) << searched.output;

  const Study study = read_study(the_study(dir.path()));
  EXPECT_EQ(study.status, "completed");
  ASSERT_EQ(study.trials.size(), 9u);
  // Each trial's run trained as far as its rung, and no further: 9 at epoch 1, 3 of them on to 3,
  // one of those on to 9 — 21 epochs, against the 81 of nine full trials.
  std::map<int, int> reached;
  for (const auto& t : study.trials) {
    const int epochs = rung_epochs(study.settings.schedule, 0)[t.state.results.size() - 1];
    EXPECT_EQ(summarize_run(t.run_dir).epochs_done, epochs) << t.run_dir;
    ++reached[epochs];
  }
  EXPECT_EQ(reached, (std::map<int, int>{{1, 6}, {3, 2}, {9, 1}}));
  EXPECT_EQ(epochs_trained(study), 21);

  // The trial that reached the top rung was stopped at epochs 1 and 3 and continued: its final
  // tensors are those of forge train with its flags, run straight.
  const Trial& best = study.trials[study.ranking().front()];
  ASSERT_EQ(best.state.results.size(), 3u);
  Args straight{"train"};
  const Args train = best.train_args(study.settings);
  straight.insert(straight.end(), train.begin(), train.end());
  straight.insert(straight.end(), {"--epochs", "9", "--run_dir", "straight"});
  ProcessResult trained = testing::run_forge(straight, dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  size_t compared = 0;
  EXPECT_EQ(first_final_difference(best.run_dir, dir / "straight", compared), "");
  EXPECT_GT(compared, 3u);

  ProcessResult status = testing::run_forge({"search", "--status", the_study(dir.path())}, dir.path());
  EXPECT_EQ(status.exit_status, 0) << status.output;
  EXPECT_NE(status.output.find("completed"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("forge train --data synthetic --model mlp"), std::string::npos) << status.output;

  // forge runs lists the search below its runs; forge report draws it: its trials, the metric by
  // epoch with the rungs, and the metric against each searched flag.
  ProcessResult runs = testing::run_forge({"runs"}, dir.path());
  EXPECT_EQ(runs.exit_status, 0) << runs.output;
  EXPECT_NE(runs.output.find("random   asha       9/9     completed  valid/loss:min"), std::string::npos)
      << runs.output;
  ProcessResult report = testing::run_forge({"report", "-o", "report.html"}, dir.path());
  ASSERT_EQ(report.exit_status, 0) << report.output;
  const std::string html = testing::text_or_empty(dir / "report.html");
  EXPECT_NE(html.find("<h2>search synthetic_mlp/searches/"), std::string::npos);
  size_t charts = 0;
  for (size_t at = html.find("<svg class=\"chart\""); at != std::string::npos;
       at = html.find("<svg class=\"chart\"", at + 1))
    ++charts;
  EXPECT_EQ(charts, 3u);  // by epoch, and one per searched flag
  EXPECT_NE(html.find("<td>" + std::to_string(best.index) + " (best)</td>"), std::string::npos);
}

TEST(Search, KilledWithSigkillThreeTimesAndLaunchedAgainItDecidesAsTheUninterruptedSearch) {
  testing::TempDir straight, killed;
  ProcessResult whole = testing::run_forge(small_search(), straight.path());
  ASSERT_EQ(whole.exit_status, 0) << whole.output;
  const Study expected = read_study(the_study(straight.path()));

  for (size_t arrivals : {2u, 6u, 10u}) {
    const int pid = testing::spawn_forge(small_search(), killed.path(), killed / "search.log");
    ASSERT_TRUE(testing::wait_until([&] {
      const std::string dir = the_study(killed.path());
      return !dir.empty() && fs::exists(dir + "/search.json") && read_study(dir).arrivals.size() >= arrivals;
    })) << testing::text_or_empty(killed / "search.log");
    ::kill(pid, SIGKILL);
    testing::wait_for_exit(pid);
  }
  ProcessResult finished = testing::run_forge(small_search(), killed.path());
  ASSERT_EQ(finished.exit_status, 0) << finished.output;
  const Study study = read_study(the_study(killed.path()));

  ASSERT_EQ(study.trials.size(), expected.trials.size());
  for (size_t i = 0; i < study.trials.size(); ++i) {
    EXPECT_EQ(study.trials[i].values, expected.trials[i].values) << i;
    EXPECT_EQ(study.trials[i].state.results, expected.trials[i].state.results) << i;  // bit for bit
  }
  std::vector<std::pair<size_t, int>> order, expected_order;
  for (const auto& a : study.arrivals) order.emplace_back(a["trial"], a["rung"]);
  for (const auto& a : expected.arrivals) expected_order.emplace_back(a["trial"], a["rung"]);
  EXPECT_EQ(order, expected_order);
  EXPECT_EQ(epochs_trained(study), epochs_trained(expected));
  // The best trial, its search killed on its way through the rungs, ends as the uninterrupted one.
  size_t compared = 0;
  const size_t best = expected.ranking().front();
  EXPECT_EQ(first_final_difference(study.trials[best].run_dir, expected.trials[best].run_dir, compared), "");
}

// Population-based training: between generations the worst member takes a copy of one of the
// best — its run folder, seed and values, the learning rate perturbed — and trains on from there
// (a resume with --force); the lineage the study records retrains a member's run bit for bit.
TEST(Search, PbtCopiesTheBestIntoTheWorstAndAMemberIsRetrainedFromItsLineage) {
  testing::TempDir dir;
  Args args = small_search();
  for (auto& arg : args)
    if (arg == "9") arg = "4";  // a population of 4, 4 epochs
  args.insert(args.end(), {"--scheduler", "pbt", "--perturb_every", "1"});
  ProcessResult searched = testing::run_forge(args, dir.path());
  ASSERT_EQ(searched.exit_status, 0) << searched.output;
  const Study study = read_study(the_study(dir.path()));
  EXPECT_EQ(study.exploited_through, 3);
  const Trial* copied = nullptr;
  for (const auto& t : study.trials) {
    EXPECT_EQ(t.state.results.size(), 4u) << t.index;  // every member trained every generation
    EXPECT_EQ(summarize_run(t.run_dir).status, "completed") << t.run_dir;
    if (!t.lineage.empty()) copied = &t;
  }
  ASSERT_NE(copied, nullptr) << "no member was replaced";
  const auto& last = copied->lineage.back();
  EXPECT_EQ(copied->folder, "trials/" + std::to_string(copied->index) + "-g" + std::to_string(int(last["generation"])));
  EXPECT_EQ(copied->values[1], study.trials[size_t(last["from"])].values[1]) << "n_hidden is kept: it shapes the model";

  ProcessResult script = testing::run_forge(
      {"search", "--reproduce", the_study(dir.path()), "--trial", std::to_string(copied->index)}, dir.path());
  ASSERT_EQ(script.exit_status, 0) << script.output;
  testing::TempDir again;
  testing::write_text(again / "retrain.sh", script.output);
  ProcessResult retrained =
      run_process({"env", "FORGE=" + testing::forge_binary(), "bash", again / "retrain.sh"}, again.path());
  ASSERT_EQ(retrained.exit_status, 0) << retrained.output << script.output;
  size_t compared = 0;
  EXPECT_EQ(first_final_difference(again / copied->folder, copied->run_dir, compared), "");
  EXPECT_GT(compared, 3u);
}

// The best trial's command line is one a shell reads back as it was: a value holding a quote
// or a space is quoted, the quote escaped.
TEST(Search, TheBestTrialsCommandLineReadsBackInAShell) {
  testing::TempDir dir;
  ProcessResult searched = testing::run_forge(
      {"search", "--data", "synthetic", "--model", "mlp", "--samples", "64", "--valid_fraction", "0.25", "--run_name",
       "it's mine", "--lr", "loguniform:1e-3:1e-1", "--trials", "1", "--scheduler", "none", "--max_budget", "1"},
      dir.path());
  ASSERT_EQ(searched.exit_status, 0) << searched.output;
  const std::string command = last_line(searched.output);
  ASSERT_EQ(command.rfind("  forge train ", 0), 0u) << searched.output;
  ProcessResult echoed = run_process({"bash", "-c", "printf '%s\\n' " + command.substr(command.find(" --run_name"))});
  EXPECT_EQ(echoed.output.substr(0, std::string("--run_name\nit's mine\n").size()), "--run_name\nit's mine\n")
      << command;
}

TEST(SearchErrors, BadSearchesAreOneLineUsageErrorsBeforeAnyFolder) {
  testing::TempDir dir;
  const Args base{"search", "--data", "synthetic", "--model", "mlp", "--samples", "64", "--valid_fraction", "0.25"};
  struct Case {
    Args extra;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {{"--lr", "uniform:0.1:0.01"}, "the space --lr uniform:0.1:0.01 is an empty or inverted range"},
           {{"--lr", "loguniform:0:1"}, "takes the log of a bound that is not positive"},
           {{"--lr", "uniform:1"}, "needs two bounds"},
           {{"--n_hiden", "int:8:32"}, "unknown flag --n_hiden; did you mean --n_hidden?"},
           {{"--n_hidden", "uniform:8:32"}, "takes whole numbers: use int: or logint:"},
           {{"--optimizer", "choice:adam,adamx"}, "gives --optimizer adamx, which forge train refuses"},
           {{"--lr", "uniform:-1:1"}, "gives --lr -1, which forge train refuses"},
           {{"--no_decay_bias_norm", "choice:true,maybe"}, "invalid value 'maybe' for --no_decay_bias_norm"},
           {{"--lr", "loguniform:1e-4:1e-1", "--sampler", "tpee"}, "unknown sampler 'tpee'; did you mean tpe?"},
           {{"--lr", "loguniform:1e-4:1e-1", "--sampler", "grid"}, "is continuous"},
           {{"--lr", "loguniform:1e-4:1e-1", "--scheduler", "ash"}, "unknown scheduler 'ash'; did you mean asha?"},
           {{"--lr", "loguniform:1e-4:1e-1", "--scheduler", "pbt", "--pbt_quantile", "0.7"}, "--pbt_quantile must be"},
           {{"--lr", "loguniform:1e-4:1e-1", "--scheduler", "pbt", "--perturb_every", "0"}, "--perturb_every must be"},
           {{"--lr", "loguniform:1e-4:1e-1", "--min_budget", "5", "--max_budget", "3"}, "is below --min_budget"},
           {{"--lr", "loguniform:1e-4:1e-1", "--eta", "1"}, "--eta must be at least 2"},
           {{"--lr", "loguniform:1e-4:1e-1", "--metric", "test/accuracy:max"}, "watch valid/..."},
           {{"--lr", "loguniform:1e-4:1e-1", "--epochs", "3"}, "forge search sets --epochs of its trials itself"},
           {{"--lr", "0.01"}, "forge search needs a space"},
       }) {
    Args args = base;
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    ProcessResult result = testing::run_forge(args, dir.path());
    EXPECT_EQ(result.exit_status, 2) << result.output;
    EXPECT_NE(testing::last_line(result.output).find("forge: error: "), std::string::npos) << result.output;
    EXPECT_NE(result.output.find(c.says), std::string::npos) << c.says << "\n" << result.output;
    EXPECT_EQ(result.output.find("terminate called"), std::string::npos) << result.output;
  }
  struct Other {
    Args args;
    int code;
    std::string says;
  };
  for (const Other& c : std::vector<Other>{
           {{"search", "--data", "synthetic", "--model", "mlp", "--lr", "loguniform:1e-4:1e-1", "--launcher", "pbs"},
            2,
            "invalid value 'pbs' for --launcher: expected local or slurm"},
           {{"search", "--reproduce", "nowhere"}, 5, "nowhere is not a search folder (it has no search.json)"},
           {{"search", "--status", "nowhere"}, 5, "nowhere is not a search folder (it has no search.json)"},
           {{"train", "--data", "synthetic", "--model", "mlp", "--stop_after_epochs", "-1"},
            2,
            "--stop_after_epochs must not be negative"},
       }) {
    ProcessResult result = testing::run_forge(c.args, dir.path());
    EXPECT_EQ(result.exit_status, c.code) << result.output;
    EXPECT_EQ(last_line(result.output), "forge: error: " + c.says) << result.output;
  }
  // Without a validation split the default metric, valid/loss, is never measured.
  ProcessResult no_valid = testing::run_forge(
      {"search", "--data", "synthetic", "--model", "mlp", "--samples", "64", "--lr", "loguniform:1e-4:1e-1"},
      dir.path());
  EXPECT_EQ(no_valid.exit_status, 2) << no_valid.output;
  EXPECT_NE(no_valid.output.find("--metric valid/loss:min cannot be read at the rungs"), std::string::npos)
      << no_valid.output;
  EXPECT_FALSE(fs::exists(dir / "checkpoints")) << "a refused search wrote nothing";
}

}  // namespace
}  // namespace forge

namespace forge {
namespace {

class SlurmSearch : public testing::WithSlurmCluster {};

// The search's jobs in the queue: "id state" per line.
std::vector<std::string> search_jobs() {
  ProcessResult listed = run_process({"squeue", "-h", "-o", "%i %j"});
  std::vector<std::string> ids;
  std::istringstream lines(listed.output);
  for (std::string id, name; lines >> id >> name;)
    if (name.rfind("forge-search-", 0) == 0) ids.push_back(id);
  return ids;
}

// Each segment an sbatch job, held until the test lets it go: the first one is cancelled by
// scancel instead — a segment lost to the cluster — and the search tries it again from its
// checkpoint and finishes.
TEST_F(SlurmSearch, AshaOnSlurmRetriesASegmentThatScancelKilled) {
  testing::TempDir dir;
  Args args = small_search();
  for (auto& arg : args)
    if (arg == "9") arg = "3";  // trials 3, max_budget 3: rungs at 1 and 3 epochs
  args.insert(args.end(), {"--launcher", "slurm", "--slurm_extra=--hold", "-j", "3", "--threads", "1"});
  const int pid = testing::spawn_forge(args, dir.path(), dir / "search.log");
  bool cancelled = false;
  int code = -1;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
          code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          return true;
        }
        for (const auto& job : search_jobs()) {
          if (!cancelled) {
            EXPECT_EQ(run_process({"scancel", job}).exit_status, 0);
            cancelled = true;
          } else {
            run_process({"scontrol", "release", job});
          }
        }
        ::usleep(300000);
        return false;
      },
      180))
      << testing::text_or_empty(dir / "search.log");
  ASSERT_EQ(code, 0) << testing::text_or_empty(dir / "search.log");
  ASSERT_TRUE(cancelled);
  const Study study = read_study(the_study(dir.path()));
  ASSERT_EQ(study.trials.size(), 3u);
  int retried = 0;
  for (const auto& t : study.trials) {
    EXPECT_FALSE(t.state.failed) << t.index;
    EXPECT_FALSE(t.state.results.empty()) << t.index;
    EXPECT_FALSE(t.job.empty()) << t.index;
    retried += t.failures;
  }
  EXPECT_EQ(retried, 1);
  size_t failures = 0;
  for (const auto& a : study.arrivals) failures += a.contains("failure");
  EXPECT_EQ(failures, 1u);
  EXPECT_EQ(study.trials[study.ranking().front()].state.results.size(), 2u);  // one trial went on to 3 epochs
  EXPECT_TRUE(fs::exists(study.dir + "/trial-0.sh"));
}

}  // namespace
}  // namespace forge
