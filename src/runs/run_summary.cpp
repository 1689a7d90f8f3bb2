#include "runs/run_summary.hpp"

#include "runs/checkpoint_files.hpp"
#include "runs/manifest.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_dir.hpp"
#include "runs/run_files.hpp"
#include "runs/run_lock.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace fs = boost::filesystem;

namespace forge {
namespace {

// Compares paths piece by piece, numbers by value: the order in which runs were numbered.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t i_end = a.find_first_not_of("0123456789", i), j_end = b.find_first_not_of("0123456789", j);
      std::string x = a.substr(i, i_end - i), y = b.substr(j, j_end - j);
      x.erase(0, std::min(x.find_first_not_of('0'), x.size()));
      y.erase(0, std::min(y.find_first_not_of('0'), y.size()));
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i_end == std::string::npos ? a.size() : i_end;
      j = j_end == std::string::npos ? b.size() : j_end;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

double now_seconds() { return double(std::time(nullptr)); }

}  // namespace

std::optional<double> parse_iso8601(const std::string& text) {
  std::tm parts{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S%z", &parts);
  if (!end || *end) return std::nullopt;
  long offset = parts.tm_gmtoff;
  return double(timegm(&parts) - offset);
}

RunSummary summarize_run(const std::string& run_dir) {
  RunSummary run;
  run.dir = run_dir;
  run.manifest = read_manifest(run_dir);
  if (fs::exists(flags_file(run_dir))) run.flags = read_json(flags_file(run_dir));
  const Manifest& m = run.manifest;
  run.status = m.status.empty() ? "unknown" : m.status;
  run.reason = m.reason;
  if (run.status == "running" && !is_run_locked(run_dir)) run.status = "crashed";
  run.started = m.started;
  run.ended = m.ended;

  // Progress: the manifest's record of the newest checkpoint; the flags for what was asked.
  std::vector<int64_t> steps = list_checkpoints(run_dir);
  if (m.progress) {
    run.step = m.progress->step;
    run.epochs_done = m.progress->epochs_done;
  } else if (!steps.empty()) {
    run.step = steps.back();
  }
  if (run.flags.is_object()) {
    run.epochs = run.flags.value("epochs", int64_t(0));
    run.max_steps = run.flags.value("max_steps", int64_t(0));
  }
  const bool trained = run.max_steps > 0 ? run.step >= run.max_steps : run.epochs_done >= run.epochs;
  run.awaiting_evaluation = trained && run.status != "completed" && m.progress && evaluated_step(m) != run.step;

  for (const MetricRow& row : read_metrics(run_dir)) {
    run.final_metrics[row.split + "/" + row.name] = row.value;
    if (row.split == "train" && row.name == "loss") run.last_train_loss = row.value;
    if (row.split == "test" && row.name == "accuracy")
      run.best_test_accuracy = std::max(run.best_test_accuracy.value_or(row.value), row.value);
  }

  std::optional<double> start = parse_iso8601(run.started);
  std::optional<double> end = run.ended.empty() ? std::optional<double>(now_seconds()) : parse_iso8601(run.ended);
  if (start && end) run.seconds = std::max(0.0, *end - *start);
  return run;
}

std::string progress_text(const RunSummary& run) {
  const std::string unevaluated = run.awaiting_evaluation ? ", not evaluated" : "";
  if (run.max_steps > 0) return "step " + std::to_string(run.step) + "/" + std::to_string(run.max_steps) + unevaluated;
  return (run.epochs_done < 0 ? "?" : std::to_string(run.epochs_done)) + "/" + std::to_string(run.epochs) + unevaluated;
}

std::string run_label(const std::string& root, const std::string& run_dir) {
  fs::path relative = fs::path(run_dir).lexically_relative(root);
  if (relative.empty() || relative == ".") return fs::path(run_dir).lexically_normal().filename().string();
  return relative.string();
}

std::vector<std::string> find_runs(const std::string& root) {
  if (!fs::is_directory(root)) throw Error(ExitCode::run, root + " is not a folder");
  if (is_run_dir(root)) return {root};
  // Trainings may claim, write and rename below `root` while this walks it: an entry that
  // vanishes between the listing and a look at it is skipped, never an error.
  std::vector<std::string> runs;
  std::vector<fs::path> pending{root};
  while (!pending.empty()) {
    const fs::path dir = pending.back();
    pending.pop_back();
    boost::system::error_code error;
    for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
      boost::system::error_code ignored;
      if (!fs::is_directory(fs::symlink_status(it->path(), ignored))) continue;  // links are not followed
      // A run's own subfolders (checkpoints, plugins) hold no runs.
      if (is_run_dir(it->path().string()))
        runs.push_back(it->path().string());
      else
        pending.push_back(it->path());
    }
  }
  std::sort(runs.begin(), runs.end(), natural_less);
  return runs;
}

}  // namespace forge
