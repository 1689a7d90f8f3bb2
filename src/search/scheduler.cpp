#include "search/scheduler.hpp"

#include "core/suggest.hpp"

#include <forge/error.hpp>

#include <algorithm>

namespace forge {

const std::vector<std::string>& scheduler_names() {
  static const std::vector<std::string> names{"asha", "hyperband", "none"};
  return names;
}

void check_schedule(const ScheduleSettings& s) {
  const auto& names = scheduler_names();
  if (std::find(names.begin(), names.end(), s.scheduler) == names.end()) {
    const std::string guess = closest_name(s.scheduler, names);
    throw Error(ExitCode::usage, "unknown scheduler '" + s.scheduler + "'" +
                                     (guess.empty() ? "" : "; did you mean " + guess + "?") +
                                     " (asha, hyperband, none)");
  }
  if (s.min_budget < 1) throw Error(ExitCode::usage, "--min_budget must be at least 1 epoch");
  if (s.max_budget < s.min_budget)
    throw Error(ExitCode::usage, "--max_budget (" + std::to_string(s.max_budget) + ") is below --min_budget (" +
                                     std::to_string(s.min_budget) + ")");
  if (s.eta < 2) throw Error(ExitCode::usage, "--eta must be at least 2");
  if (s.trials < 1) throw Error(ExitCode::usage, "--trials must be at least 1");
}

std::vector<int> rung_epochs(const ScheduleSettings& s, int bracket) {
  if (s.scheduler == "none") return {s.max_budget};
  std::vector<int> rungs;
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
