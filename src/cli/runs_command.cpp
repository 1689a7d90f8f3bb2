// forge runs [DIR]: a table of the runs under a checkpoint folder.
#include "cli/command_help.hpp"
#include "cli/commands.hpp"

#include "core/suggest.hpp"
#include "core/text_table.hpp"
#include "runs/manifest.hpp"
#include "runs/run_summary.hpp"
#include "search/study.hpp"

#include <forge/error.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <sstream>

namespace forge {
namespace {

const char* runs_help =
    "usage: forge runs [DIR] [--sort KEY] [--status S[,S...]] [--json]\n"
    "A table of the runs at or below DIR (default: checkpoints): run folder, status, epochs done /\n"
    "asked, last train loss, best test accuracy, start time and duration. Reads the run folders\n"
    "only; changes nothing.\n";

FlagSet runs_syntax() {
  FlagSet set("runs");
  set.take_operands({"DIR"}, 0);
  set.declare({text_flag("sort", "run",
                         "run, status, epochs, loss, accuracy, started or duration; ascending, or descending with a "
                         "leading '-' (--sort -accuracy: best first)"),
               text_flag("status", "",
                         "only runs with these statuses (comma-separated): completed, running, interrupted, failed, "
                         "crashed"),
               bool_flag("json", false, "the same rows as a JSON array (all fields, unrounded)")},
              "forge runs");
  return set;
}

const std::vector<std::string> sort_keys{"run", "status", "epochs", "loss", "accuracy", "started", "duration"};
const std::vector<std::string> statuses{"completed", "running", "interrupted", "failed", "crashed"};

std::string duration(double seconds) {
  long s = long(seconds + 0.5);
  char text[64];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, s / 60 % 60);
  else if (s >= 60)
    std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%lds", s);
  return text;
}

// "2026-11-28T16:02:10+0000" → "2026-11-28 16:02"
std::string short_time(const std::string& iso) {
  return iso.size() >= 16 ? iso.substr(0, 10) + " " + iso.substr(11, 5) : iso;
}

// The value a run is sorted by; nullopt for a missing one (no test accuracy yet), which sorts
// last either way.
std::optional<double> sort_value(const RunSummary& run, const std::string& key) {
  if (key == "epochs") return double(run.epochs_done) * 1e12 + double(run.step);
  if (key == "loss") return run.last_train_loss;
  if (key == "accuracy") return run.best_test_accuracy;
  if (key == "duration") return run.seconds;
  return 0.0;
}

bool sorted_before(const RunSummary& a, const RunSummary& b, const std::string& key, bool descending) {
  if (key == "status" || key == "started") {
    const std::string& x = key == "status" ? a.status : a.started;
    const std::string& y = key == "status" ? b.status : b.started;
    return descending ? y < x : x < y;
  }
  std::optional<double> x = sort_value(a, key), y = sort_value(b, key);
  if (x.has_value() != y.has_value()) return x.has_value();
  if (!x) return false;
  return descending ? *y < *x : *x < *y;  // "run": all equal, find_runs' order kept
}

json to_json(const RunSummary& run) {
  auto optional = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  return {{"run", run.dir},
          {"status", run.status},
          {"reason", run.reason},
          {"step", run.step},
          {"epochs_done", run.epochs_done},
          {"epochs", run.epochs},
          {"max_steps", run.max_steps},
          {"awaiting_evaluation", run.awaiting_evaluation},
          {"last_train_loss", optional(run.last_train_loss)},
          {"best_test_accuracy", optional(run.best_test_accuracy)},
          {"started", run.started},
          {"ended", run.ended.empty() ? json(nullptr) : json(run.ended)},
          {"seconds", run.seconds}};
}

void check_choice(const std::string& value, const std::vector<std::string>& known, const std::string& flag) {
  if (std::find(known.begin(), known.end(), value) != known.end()) return;
  std::string guess = closest_name(value, known);
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  throw Error(ExitCode::usage, "invalid value '" + value + "' for " + flag +
                                   (guess.empty() ? "" : "; did you mean " + guess + "?") + " (one of: " + list + ")");
}

struct RunsOptions {
  std::string root;
  std::string sort_key;
  bool descending = false;
  std::vector<std::string> statuses;  // only these; empty: all
  bool as_json = false;
};

RunsOptions runs_options(const CommandLine& line) {
  RunsOptions options;
  options.root = line.operands.empty() ? "checkpoints" : line.operands[0];
  options.as_json = line.flags.boolean("json");
  options.sort_key = line.flags.text("sort");
  options.descending = !options.sort_key.empty() && options.sort_key[0] == '-';
  if (options.descending) options.sort_key.erase(0, 1);
  check_choice(options.sort_key, sort_keys, "--sort");
  std::istringstream list(line.flags.text("status"));
  for (std::string status; std::getline(list, status, ',');) {
    check_choice(status, statuses, "--status");
    options.statuses.push_back(status);
  }
  return options;
}

// The runs below the root with a wanted status, in the order asked for.
std::vector<RunSummary> listed_runs(const RunsOptions& options) {
  const auto& wanted = options.statuses;
  std::vector<RunSummary> runs;
  for (const auto& dir : find_runs(options.root)) {
    RunSummary run = summarize_run(dir);
    if (wanted.empty() || std::find(wanted.begin(), wanted.end(), run.status) != wanted.end()) runs.push_back(run);
  }
  if (options.sort_key == "run" && options.descending) std::reverse(runs.begin(), runs.end());
  std::stable_sort(runs.begin(), runs.end(), [&](const RunSummary& a, const RunSummary& b) {
    return sorted_before(a, b, options.sort_key, options.descending);
  });
  return runs;
}

void print_table(const std::vector<RunSummary>& runs, const std::string& root) {
  TextTable table({"RUN", "STATUS", "EPOCHS", "TRAIN LOSS", "TEST ACC", "STARTED", "DURATION"});
  for (const auto& run : runs) {
    table.add_row({run_label(root, run.dir), run.status, progress_text(run), fixed_or_dash(run.last_train_loss, 4),
                   fixed_or_dash(run.best_test_accuracy, 4), short_time(run.started), duration(run.seconds)});
  }
  std::cout << table.render();
}

// One line per search below the root: where, how, how far, and its best trial so far.
void print_searches(const std::string& root) {
  const std::vector<std::string> dirs = find_studies(root);
  if (dirs.empty()) return;
  TextTable table({"SEARCH", "SAMPLER", "SCHEDULER", "TRIALS", "STATUS", "BEST"});
  for (const auto& dir : dirs) {
    const Study study = read_study(dir);
    const std::vector<size_t> ranked = study.ranking();
    std::string best = "-";
    if (!ranked.empty()) {
      const Trial& t = study.trials[ranked.front()];
      const double value = study.settings.metric.measured(t.state.results.back());
      char text[96];
      std::snprintf(text, sizeof text, "%s %.4g (trial %zu)", study.settings.metric.text().c_str(), value, t.index);
      best = text;
    }
    table.add_row({run_label(root, dir), study.settings.sampler, study.settings.schedule.scheduler,
                   std::to_string(study.trials.size()) + "/" + std::to_string(study.settings.schedule.trials),
                   study.status, best});
  }
  std::cout << "\n" << table.render();
}

}  // namespace

int runs_command(const Args& args) {
  const std::optional<CommandLine> line = read_command_line(args, runs_help, runs_syntax());
  if (!line) return 0;
  const RunsOptions options = runs_options(*line);
  const std::vector<RunSummary> runs = listed_runs(options);
  if (options.as_json) {
    json rows = json::array();
    for (const auto& run : runs) rows.push_back(to_json(run));
    std::cout << rows.dump(2) << std::endl;
  } else if (runs.empty()) {
    std::cout << "no runs under " << options.root << (options.statuses.empty() ? "" : " with that status") << "\n";
  } else {
    print_table(runs, options.root);
    print_searches(options.root);
  }
  return 0;
}

}  // namespace forge
