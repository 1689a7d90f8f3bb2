// Which trial a search trains next, and how far: asynchronous successive halving (ASHA; Li et
// al. 2020), Hyperband as brackets of ASHA, none (every trial straight to the full budget), or
// population-based training (PBT; Jaderberg et al. 2017: the population trains generation by
// generation, and between generations the worst take a copy of the best, search/search_loop).
// A pure function of the study's state, never of time: results are taken in the order they
// arrived, which the study records, so a search launched again after a crash decides as the
// uninterrupted one did.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace forge {

struct ScheduleSettings {
  std::string scheduler = "asha";  // asha | hyperband | none | pbt
  int min_budget = 1, max_budget = 9, eta = 3;
  size_t trials = 20;      // how many trials the search may start (pbt: the population)
  int perturb_every = 1;   // pbt: epochs per generation
  double quantile = 0.25;  // pbt: the share of the population replaced by (and copied from) each generation
};

// The epochs at which bracket `bracket`'s trials are measured, ascending, the last the full
// budget: min·eta^(bracket + k) below max, then max (ASHA, min 1, eta 3, max 9: 1, 3, 9); for
// pbt, the ends of its generations (perturb_every, 2·perturb_every, ..., max).
std::vector<int> rung_epochs(const ScheduleSettings& settings, int bracket);

// How many brackets the scheduler runs (hyperband: one per rung of bracket 0; otherwise 1).
int bracket_count(const ScheduleSettings& settings);

// What the scheduler knows of one trial.
struct TrialState {
  int bracket = 0;
  int rung = -1;                // the highest rung it was sent to (-1: none yet)
  bool in_flight = false;       // training towards `rung` now
  bool failed = false;          // given up on: takes no further part
  std::vector<double> results;  // the metric at each rung it finished, lower is better
};

struct Decision {
  size_t trial;  // an existing trial, or trials.size(): a new one
  int bracket;
  int rung;  // train it until this rung's epochs
};

// The next segment to train, or nullopt when none can start now (all promotions wait for results
// of segments in flight, or the search is done).
std::optional<Decision> next_decision(const ScheduleSettings& settings, const std::vector<TrialState>& trials);

// Scheduler names, for errors.
const std::vector<std::string>& scheduler_names();

// Throws Error(ExitCode::usage) for an unknown scheduler, a budget below 1, min above max, or an
// eta below 2.
void check_schedule(const ScheduleSettings& settings);

}  // namespace forge
