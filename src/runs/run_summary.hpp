// What `forge runs`, `forge show` and `forge diff` say about a run folder, read from its files
// alone (manifest.json, flags.json, metrics.csv, checkpoints/), without loading libtorch and
// without changing anything in the folder.
#pragma once

#include "runs/manifest.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace forge {

struct RunSummary {
  std::string dir;
  std::string status;  // the manifest's; "crashed" when it says running but no process holds the run
  std::string reason;
  int64_t step = 0;          // of the newest checkpoint
  int64_t epochs_done = -1;  // epochs that checkpoint completed; -1: not recorded (runs of forge < 0.2)
  int64_t epochs = 0;        // asked for (--epochs)
  int64_t max_steps = 0;     // asked for (--max_steps; 0 = none)
  // Trained to the end but its end-of-run evaluation not recorded: it stopped (crash, signal)
  // in between; `forge resume` evaluates it.
  bool awaiting_evaluation = false;
  std::optional<double> last_train_loss;
  std::optional<double> best_test_accuracy;
  std::string started, ended;                   // ISO 8601; ended is empty while running
  double seconds = 0;                           // from start to end (or to now)
  std::map<std::string, double> final_metrics;  // "split/name" → its last value
  Manifest manifest;
  json flags;  // flags.json as saved; null when there is none
};

// How far the run got against what was asked: "3/5" (epochs), "step 750/1000" (--max_steps),
// "?/5" when not recorded; "5/5, not evaluated" when it awaits its end-of-run evaluation.
std::string progress_text(const RunSummary& run);

// Throws Error(ExitCode::run) when `run_dir` has no readable manifest.json.
RunSummary summarize_run(const std::string& run_dir);

// The run folders (those with a manifest.json) at or below `root`, in natural order
// (exp/2 before exp/10). Throws Error(ExitCode::run) when `root` is not a folder.
std::vector<std::string> find_runs(const std::string& root);

// How a run is named in a listing of `root`: its path below root ("exp1/3"), or the folder's
// own name when it is root itself.
std::string run_label(const std::string& root, const std::string& run_dir);

// Seconds since the epoch of an ISO 8601 time as forge writes it (2026-11-28T16:02:10+0000);
// nullopt when it does not parse.
std::optional<double> parse_iso8601(const std::string& text);

}  // namespace forge
