#include "search/search_loop.hpp"

#include "core/child_processes.hpp"
#include "core/process.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_files.hpp"
#include "runs/run_lock.hpp"
#include "runs/run_summary.hpp"
#include "search/samplers.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <boost/filesystem.hpp>

#include <unistd.h>

#include <deque>
#include <map>

namespace fs = boost::filesystem;

namespace forge {
namespace {

std::string values_text(const Study& study, const Trial& trial) {
  std::string text;
  for (size_t d = 0; d < trial.values.size(); ++d)
    text += (text.empty() ? "" : " ") + study.settings.space[d].flag + "=" + trial.values[d];
  return text;
}

// What the sampler is told of the trials so far: those with a result, ranked as Study::ranking
// would rank them at each one's highest rung (more rungs first, then the metric). (Ranking them
// only at the largest budget enough trials reached, as BOHB does, measured no better here:
// docs/search.md.)
std::vector<Observation> observations(const Study& study) {
  std::vector<const Trial*> measured;
  for (const auto& t : study.trials)
    if (!t.state.results.empty()) measured.push_back(&t);
  std::stable_sort(measured.begin(), measured.end(), [](const Trial* a, const Trial* b) {
    if (a->state.results.size() != b->state.results.size()) return a->state.results.size() > b->state.results.size();
    return a->state.results.back() < b->state.results.back();
  });
  std::vector<Observation> out;
  for (size_t i = 0; i < measured.size(); ++i) out.push_back({measured[i]->unit, double(i)});
  return out;
}

// Applies the scheduler's decision: a new trial is placed by the sampler, given its seed and its
// folder. Recorded (saved) before anything trains.
Trial& take_decision(Study& study, const Decision& decision, Sampler& sampler) {
  const SearchSettings& s = study.settings;
  if (decision.trial == study.trials.size()) {
    Trial trial;
    trial.index = study.trials.size();
    trial.unit = sampler.sample(trial.index, observations(study));
    for (size_t d = 0; d < s.space.size(); ++d) trial.values.push_back(s.space[d].value_at(trial.unit[d]));
    trial.seed = int64_t(unit_random(s.seed, 1u << 21, trial.index) * 2147483647.0);
    trial.folder = trial_folder(trial.index);
    trial.run_dir = trial_run_dir(study.dir, trial.index);
    trial.state.bracket = decision.bracket;
    study.trials.push_back(trial);
  }
  Trial& trial = study.trials[decision.trial];
  trial.state.rung = decision.rung;
  trial.state.in_flight = true;
  trial.decided = study.decisions++;
  save_study(study);
  return trial;
}

// A segment of a search killed a moment ago may still be checkpointing (its SIGTERM came with
// the search's death): its run is locked until it is done.
void wait_for_unlock(const std::string& run_dir) {
  for (int waited = 0; is_run_locked(run_dir) && waited < 600; ++waited) {
    if (waited == 0) spdlog::info("{} is still held by a segment of an earlier launch; waiting for it", run_dir);
    ::usleep(100000);
  }
}

// Starts the segment `trial` was decided for, and records the launcher's handle (a SLURM job).
void start_segment(const std::string& forge, Study& study, Trial& trial, SegmentLauncher& launcher) {
  const SearchSettings& s = study.settings;
  const int epochs = rung_epochs(s.schedule, trial.state.bracket)[size_t(trial.state.rung)];
  std::vector<std::string> args{forge, "train"};
  const std::vector<std::string> train = trial.train_args(s);
  args.insert(args.end(), train.begin(), train.end());
  args.insert(args.end(), {"--run_dir", trial.run_dir, "--epochs", std::to_string(s.schedule.max_budget)});
  if (epochs < s.schedule.max_budget) args.insert(args.end(), {"--stop_after_epochs", std::to_string(epochs)});
  if (trial.needs_force) args.push_back("--force");  // a copy of another member's run, with other values
  wait_for_unlock(trial.run_dir);
  spdlog::info("trial {} ({}): training to epoch {} in {}", trial.index, values_text(study, trial), epochs,
               trial.run_dir);
  trial.job = launcher.start(args, study.dir, trial.index);
  save_study(study);
}

// Records how segment of `trial` ended (exit `code`); true when it must be started again.
bool record_segment_end(Study& study, Trial& trial, int code) {
  const SearchSettings& s = study.settings;
  const int epochs = rung_epochs(s.schedule, trial.state.bracket)[size_t(trial.state.rung)];
  std::string failure;
  if (code == 0) {
    try {
      const double value = rung_result(trial.run_dir, s.metric, epochs);
      trial.state.results.push_back(value);
      trial.state.in_flight = false;
      study.history.push_back(
          {{"train", trial.folder}, {"args", trial.train_args(s)}, {"epochs", epochs}, {"force", trial.needs_force}});
      trial.needs_force = false;
      study.arrivals.push_back({{"trial", trial.index}, {"rung", trial.state.rung}, {"value", value}});
      spdlog::info("trial {}: {} {} at epoch {}", trial.index, s.metric.split + "/" + s.metric.name,
                   s.metric.measured(value), epochs);
      save_study(study);
      return false;
    } catch (const Error& e) {
      failure = e.what();
    }
  } else {
    failure = "exit " + std::to_string(code) + " (see " + study.dir + "/trial-" + std::to_string(trial.index) + ".log)";
  }
  ++trial.failures;
  trial.failure = failure;
  const bool retry = trial.failures <= s.retries;
  if (!retry) {
    trial.state.failed = true;
    trial.state.in_flight = false;
  }
  study.arrivals.push_back({{"trial", trial.index}, {"rung", trial.state.rung}, {"failure", failure}});
  save_study(study);
  spdlog::warn("trial {}: {}; {}", trial.index, failure,
               retry ? "trying again from its checkpoint (" + std::to_string(trial.failures) + " of " +
                           std::to_string(s.retries) + " retries)"
                     : "given up");
  return retry;
}

}  // namespace

double rung_result(const std::string& run_dir, const SearchMetric& metric, int epoch) {
  std::optional<double> value;
  for (const auto& row : read_metrics(run_dir))
    if (row.split == metric.split && row.name == metric.name && row.epoch <= epoch) value = row.value;
  if (!value)
    throw Error(ExitCode::failure, run_dir + " has no " + metric.split + "/" + metric.name + " up to epoch " +
                                       std::to_string(epoch) + " in its metrics.csv");
  return metric.stored(*value);
}

namespace {

// A run folder copied as it is on disk, through a temporary name: a copy a crash cut short is
// never taken for a whole one. Not its lock, nor its record of what tracking servers have of it:
// the copy is a run of its own there.
void copy_run_folder(const std::string& from, const std::string& to) {
  const fs::path partial = to + ".partial";
  fs::remove_all(partial);
  fs::remove_all(to);
  const fs::path lock = fs::relative(lock_file(from), from), tracking = fs::relative(tracking_file(from), from);
  for (fs::recursive_directory_iterator it(from), end; it != end; ++it) {
    const fs::path relative = fs::relative(it->path(), from);
    const fs::path target = partial / relative;
    if (fs::is_directory(it->path()))
      fs::create_directories(target);
    else if (relative != lock && relative != tracking) {
      fs::create_directories(target.parent_path());
      fs::copy_file(it->path(), target);
    }
  }
  fs::rename(partial, to);
}

// PBT between generation `generation - 1` and `generation`: the worst share of the population (by
// the metric at the end of the generation before) each take a copy of one of the best share — its
// run folder (weights, optimizer state, position), its seed and its values — and explore from
// there: each continuous value (uniform, loguniform) resampled with probability 0.25, else
// multiplied by 0.8 or 1.2; whole numbers and choices stay the copied member's, as they may shape
// the model its checkpoint holds (a width, a layer count). Every draw comes from the search's
// seed, the generation and the member, so a search launched again makes the same copies.
// Recorded in the members' lineage and the search's history.
void exploit_and_explore(Study& study, int generation) {
  const SearchSettings& s = study.settings;
  std::vector<size_t> ranked;
  for (const auto& t : study.trials)
    if (!t.state.failed && t.state.results.size() >= size_t(generation)) ranked.push_back(t.index);
  std::stable_sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
    return study.trials[a].state.results[size_t(generation - 1)] <
           study.trials[b].state.results[size_t(generation - 1)];
  });
  const size_t share = std::max<size_t>(1, size_t(s.schedule.quantile * double(ranked.size())));
  for (size_t k = 0; ranked.size() >= 2 * share && k < share; ++k) {
    Trial& worse = study.trials[ranked[ranked.size() - 1 - k]];
    const uint64_t stream = (uint64_t(generation) << 32) | worse.index;
    const Trial& better =
        study.trials[ranked[std::min(share - 1, size_t(unit_random(s.seed, stream, 0) * double(share)))]];
    std::vector<std::string> values = better.values;
    for (size_t d = 0; d < s.space.size(); ++d) {
      const Dimension& dim = s.space[d];
      if (dim.kind != DimensionKind::uniform && dim.kind != DimensionKind::loguniform) continue;
      if (unit_random(s.seed, stream, 1 + 3 * d) < 0.25)
        values[d] = dim.value_at(unit_random(s.seed, stream, 2 + 3 * d));
      else
        values[d] = dim.clamped_text(std::strtod(values[d].c_str(), nullptr) *
                                     (unit_random(s.seed, stream, 3 + 3 * d) < 0.5 ? 0.8 : 1.2));
    }
    const std::string folder = trial_folder(worse.index) + "-g" + std::to_string(generation);
    copy_run_folder(better.run_dir, study.dir + "/" + folder);
    spdlog::info("pbt, generation {}: trial {} takes a copy of trial {} ({})", generation, worse.index, better.index,
                 better.folder);
    study.history.push_back({{"copy", better.folder}, {"to", folder}});
    worse.lineage.push_back(
        {{"generation", generation}, {"from", better.index}, {"from_folder", better.folder}, {"values", values}});
    worse.values = values;
    for (size_t d = 0; d < s.space.size(); ++d) worse.unit[d] = s.space[d].unit_of(values[d]);
    worse.seed = better.seed;
    worse.folder = folder;
    worse.run_dir = study.dir + "/" + folder;
    worse.needs_force = true;
  }
  study.exploited_through = generation;
  save_study(study);
}

}  // namespace

bool reached_its_rung(const Study& study, const Trial& trial) {
  if (trial.state.rung < 0 || !fs::exists(trial.run_dir + "/manifest.json")) return false;
  const int epochs = rung_epochs(study.settings.schedule, trial.state.bracket)[size_t(trial.state.rung)];
  try {
    const RunSummary run = summarize_run(trial.run_dir);
    return run.status != "failed" && run.epochs_done >= epochs;
  } catch (const Error&) {
    return false;
  }
}

int run_search(Study& study, int jobs, SegmentLauncher& launcher) {
  const std::string forge = own_executable();
  catch_stop_signals();
  std::unique_ptr<Sampler> sampler = make_sampler(study.settings.sampler, study.settings.space, study.settings.seed);
  // Segments that were training when the search stopped: taken over where an earlier launch's
  // job still runs (SLURM), else started again first, in the order they were decided.
  std::vector<size_t> by_decision;
  for (const auto& t : study.trials)
    if (t.state.in_flight) by_decision.push_back(t.index);
  std::sort(by_decision.begin(), by_decision.end(),
            [&](size_t a, size_t b) { return study.trials[a].decided < study.trials[b].decided; });
  std::deque<size_t> unfinished;
  for (size_t index : by_decision)
    if (!launcher.adopt(study.trials[index].job, index)) unfinished.push_back(index);
  bool forwarded = false;
  study.status = "running";
  save_study(study);
  for (;;) {
    while (!stop_signal_caught() && int(launcher.running()) < jobs) {
      size_t index;
      if (!unfinished.empty()) {
        index = unfinished.front();
        unfinished.pop_front();
      } else {
        const std::optional<Decision> decision = next_decision(study.settings.schedule, study.states());
        if (!decision) break;
        if (study.settings.schedule.scheduler == "pbt" && decision->rung > study.exploited_through)
          exploit_and_explore(study, decision->rung);
        index = take_decision(study, *decision, *sampler).index;
      }
      start_segment(forge, study, study.trials[index], launcher);
    }
    if (stop_signal_caught() && !forwarded) {
      spdlog::warn("stopping: {} running trial segment(s) checkpoint and stop", launcher.running());
      launcher.stop_all(stop_signal_caught());
      forwarded = true;
    }
    if (launcher.running() == 0) break;
    const std::optional<EndedSegment> ended = launcher.wait_any();
    if (!ended) continue;  // a signal: seen at the top of the loop
    Trial& trial = study.trials[ended->index];
    if (stop_signal_caught() && ended->exit_code != 0)
      continue;  // stopped with the search: it trains on at the next launch
    if (record_segment_end(study, trial, ended->exit_code)) unfinished.push_back(trial.index);
  }
  study.status = stop_signal_caught() ? "interrupted" : "completed";
  save_study(study);
  return stop_signal_caught() ? 128 + stop_signal_caught() : 0;
}

}  // namespace forge
