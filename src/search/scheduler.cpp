#include "search/scheduler.hpp"

#include "core/suggest.hpp"

#include <forge/error.hpp>

#include <algorithm>

namespace forge {

const std::vector<std::string>& scheduler_names() {
  static const std::vector<std::string> names{"asha", "hyperband", "none", "pbt"};
  return names;
}

void check_schedule(const ScheduleSettings& s) {
  const auto& names = scheduler_names();
  if (std::find(names.begin(), names.end(), s.scheduler) == names.end()) {
    const std::string guess = closest_name(s.scheduler, names);
    throw Error(ExitCode::usage, "unknown scheduler '" + s.scheduler + "'" +
                                     (guess.empty() ? "" : "; did you mean " + guess + "?") +
                                     " (asha, hyperband, none, pbt)");
  }
  if (s.min_budget < 1) throw Error(ExitCode::usage, "--min_budget must be at least 1 epoch");
  if (s.max_budget < s.min_budget)
    throw Error(ExitCode::usage, "--max_budget (" + std::to_string(s.max_budget) + ") is below --min_budget (" +
                                     std::to_string(s.min_budget) + ")");
  if (s.eta < 2) throw Error(ExitCode::usage, "--eta must be at least 2");
  if (s.trials < 1) throw Error(ExitCode::usage, "--trials must be at least 1");
  if (s.scheduler == "pbt") {
    if (s.perturb_every < 1) throw Error(ExitCode::usage, "--perturb_every must be at least 1 epoch");
    if (!(s.quantile > 0 && s.quantile <= 0.5))
      throw Error(ExitCode::usage, "--pbt_quantile must be above 0 and at most 0.5 (the worst and the best share)");
    if (s.trials < 2) throw Error(ExitCode::usage, "pbt needs a population of at least 2 (--trials)");
  }
}

std::vector<int> rung_epochs(const ScheduleSettings& s, int bracket) {
  if (s.scheduler == "none") return {s.max_budget};
  std::vector<int> rungs;
  if (s.scheduler == "pbt") {
    for (int epoch = s.perturb_every; epoch < s.max_budget; epoch += s.perturb_every) rungs.push_back(epoch);
    rungs.push_back(s.max_budget);
    return rungs;
  }
  long budget = s.min_budget;
  for (int k = 0; k < bracket && budget < s.max_budget; ++k) budget *= s.eta;
  for (; budget < s.max_budget; budget *= s.eta) rungs.push_back(int(budget));
  rungs.push_back(s.max_budget);
  return rungs;
}

int bracket_count(const ScheduleSettings& s) { return s.scheduler == "hyperband" ? int(rung_epochs(s, 0).size()) : 1; }

namespace {

// The trial of `bracket` to promote from rung `k`: the best of the top 1/eta of the results at
// that rung that is still waiting there; nullopt when there is none.
std::optional<size_t> promotable(const ScheduleSettings& s, const std::vector<TrialState>& trials, int bracket, int k) {
  std::vector<size_t> measured;
  for (size_t i = 0; i < trials.size(); ++i)
    if (trials[i].bracket == bracket && int(trials[i].results.size()) > k) measured.push_back(i);
  std::stable_sort(measured.begin(), measured.end(),
                   [&](size_t a, size_t b) { return trials[a].results[size_t(k)] < trials[b].results[size_t(k)]; });
  const size_t top = measured.size() / size_t(s.eta);
  for (size_t j = 0; j < top; ++j) {
    const TrialState& t = trials[measured[j]];
    if (t.rung == k && !t.in_flight && !t.failed) return measured[j];
  }
  return std::nullopt;
}

}  // namespace

std::optional<Decision> next_decision(const ScheduleSettings& s, const std::vector<TrialState>& trials) {
  if (s.scheduler == "pbt") {
    // The whole population first; then generation by generation, each after the last has ended.
    if (trials.size() < s.trials) return Decision{trials.size(), 0, 0};
    size_t generation = SIZE_MAX;  // the lowest generation any member still needs
    for (const auto& t : trials)
      if (!t.failed) generation = std::min(generation, t.in_flight ? size_t(t.rung) : t.results.size());
    const size_t generations = rung_epochs(s, 0).size();
    if (generation == SIZE_MAX || generation >= generations) return std::nullopt;
    for (size_t i = 0; i < trials.size(); ++i) {
      const TrialState& t = trials[i];
      if (!t.failed && !t.in_flight && t.results.size() == generation) return Decision{i, 0, int(generation)};
    }
    return std::nullopt;  // the generation's last members are still training
  }
  // Promotions first, from the highest rungs down: budget goes to the best trials soonest.
  for (int bracket = 0; bracket < bracket_count(s); ++bracket) {
    const int rungs = int(rung_epochs(s, bracket).size());
    for (int k = rungs - 2; k >= 0; --k)
      if (auto trial = promotable(s, trials, bracket, k)) return Decision{*trial, bracket, k + 1};
  }
  if (trials.size() < s.trials) {
    const int bracket = int(trials.size() % size_t(bracket_count(s)));
    return Decision{trials.size(), bracket, 0};
  }
  return std::nullopt;
}

}  // namespace forge
