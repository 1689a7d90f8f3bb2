#include "search/local_search.hpp"

#include "core/process.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_lock.hpp"
#include "search/samplers.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <map>

namespace forge {
namespace {

volatile sig_atomic_t stop_signal = 0;

void on_stop_signal(int signal) { stop_signal = signal; }

void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

std::string values_text(const Study& study, const Trial& trial) {
  std::string text;
  for (size_t d = 0; d < trial.values.size(); ++d)
    text += (text.empty() ? "" : " ") + study.settings.space[d].flag + "=" + trial.values[d];
  return text;
}

// What the sampler is told of the trials so far: those with a result, ranked as Study::ranking
// would rank them at each one's highest rung (more rungs first, then the metric).
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

pid_t start_segment(const std::string& forge, const Study& study, const Trial& trial) {
  const SearchSettings& s = study.settings;
  const int epochs = rung_epochs(s.schedule, trial.state.bracket)[size_t(trial.state.rung)];
  std::vector<std::string> args{forge, "train"};
  const std::vector<std::string> train = trial.train_args(s);
  args.insert(args.end(), train.begin(), train.end());
  args.insert(args.end(), {"--run_dir", trial.run_dir, "--epochs", std::to_string(s.schedule.max_budget)});
  if (epochs < s.schedule.max_budget) args.insert(args.end(), {"--stop_after_epochs", std::to_string(epochs)});
  wait_for_unlock(trial.run_dir);
  SpawnOptions options;
  options.output_file = study.dir + "/trial-" + std::to_string(trial.index) + ".log";
  options.end_with_parent = true;  // a killed search leaves no segment training on its own
  spdlog::info("trial {} ({}): training to epoch {} in {}", trial.index, values_text(study, trial), epochs,
               trial.run_dir);
  return spawn_process(args, options);
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
      study.arrivals.push_back({{"trial", trial.index}, {"rung", trial.state.rung}, {"value", value}});
      spdlog::info("trial {}: {} {} at epoch {}", trial.index, s.metric.split + "/" + s.metric.name,
                   s.metric.maximise ? -value : value, epochs);
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
  return metric.maximise ? -*value : *value;
}

int run_search_locally(Study& study, int jobs) {
  const std::string forge = own_executable();
  catch_stop_signals();
  std::unique_ptr<Sampler> sampler = make_sampler(study.settings.sampler, study.settings.space, study.settings.seed);
  // Segments that were training when the search stopped go first, in the order they were decided.
  std::deque<size_t> unfinished;
  std::vector<size_t> by_decision;
  for (const auto& t : study.trials)
    if (t.state.in_flight) by_decision.push_back(t.index);
  std::sort(by_decision.begin(), by_decision.end(),
            [&](size_t a, size_t b) { return study.trials[a].decided < study.trials[b].decided; });
  unfinished.assign(by_decision.begin(), by_decision.end());
  std::map<pid_t, size_t> running;
  bool forwarded = false;
  study.status = "running";
  save_study(study);
  for (;;) {
    while (!stop_signal && int(running.size()) < jobs) {
      size_t index;
      if (!unfinished.empty()) {
        index = unfinished.front();
        unfinished.pop_front();
      } else {
        const std::optional<Decision> decision = next_decision(study.settings.schedule, study.states());
        if (!decision) break;
        index = take_decision(study, *decision, *sampler).index;
      }
      running[start_segment(forge, study, study.trials[index])] = index;
    }
    if (stop_signal && !forwarded) {
      if (stop_signal == SIGTERM)
        for (const auto& [pid, trial] : running) ::kill(pid, SIGTERM);
      spdlog::warn("stopping: {} running trial segment(s) checkpoint and stop", running.size());
      forwarded = true;
    }
    if (running.empty()) break;
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw Error(ExitCode::failure, std::string("waiting for the search's trials: ") + std::strerror(errno));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    Trial& trial = study.trials[it->second];
    running.erase(it);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (stop_signal && (code == 130 || code == 143)) continue;  // stopped with the search: trains on at the next launch
    if (record_segment_end(study, trial, code)) unfinished.push_back(trial.index);
  }
  study.status = stop_signal ? "interrupted" : "completed";
  save_study(study);
  return stop_signal ? 128 + stop_signal : 0;
}

}  // namespace forge
