// A search's record, <checkpoint_dir>/<run_name>/searches/<id>/search.json, written atomically
// after every decision and every result: what was asked (the fixed flags, the space, sampler,
// scheduler, budgets, metric, seed), each trial (its values, seed, bracket, run folder, the
// metric at each rung it finished, whether it is training, retries, failure), and the order in
// which results arrived. Launching the same search again reads it and goes on from there.
#pragma once

#include "search/scheduler.hpp"
#include "search/search_space.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace forge {

// The watched metric: "valid/loss:min" → split valid, name loss, lower is better.
struct SearchMetric {
  std::string split, name;
  bool maximise = false;
  std::string text() const { return split + "/" + name + (maximise ? ":max" : ":min"); }
  // Results are kept lower-is-better: a maximised metric's values negated.
  double stored(double measured_value) const { return maximise ? -measured_value : measured_value; }
  double measured(double stored_value) const { return maximise ? -stored_value : stored_value; }
};

// Throws Error(ExitCode::usage) for anything but SPLIT/NAME[:min|max] with SPLIT train or valid
// (the metric is read at every rung, and only those are measured every epoch).
SearchMetric parse_search_metric(const std::string& text);

struct SearchSettings {
  std::vector<std::string> fixed_args;  // train flags every trial gets
  std::vector<Dimension> space;
  std::string sampler = "random";
  ScheduleSettings schedule;
  SearchMetric metric;
  uint64_t seed = 0;
  int retries = 1;
  bool seed_fixed = false;  // --seed among the fixed flags: every trial trains with it
};

struct Trial {
  size_t index = 0;
  std::vector<std::string> values;  // one per dimension
  std::vector<double> unit;         // the sampler's point
  int64_t seed = 0;                 // its --seed (the fixed one, or drawn from the search's)
  std::string run_dir;              // <study dir>/<folder>: wherever the study is read from
  TrialState state;
  int failures = 0;
  std::string failure;       // the last failure's one line
  uint64_t decided = 0;      // the sequence number of the decision it is training for
  std::string job;           // the SLURM job of its newest segment ("" when trained here)
  std::string folder;        // its run folder, relative to the study: trials/<index>, or after a PBT
                             // copy trials/<index>-g<generation>
  bool needs_force = false;  // pbt: its next segment resumes a copy with other values (--force)
  nlohmann::json lineage = nlohmann::json::array();  // pbt: {generation, from, from_folder, values}
  std::vector<std::string> train_args(const SearchSettings& settings) const;  // without --run_dir, --epochs
};

struct Study {
  std::string dir;
  std::string id;
  SearchSettings settings;
  std::vector<std::string> command;
  std::vector<Trial> trials;
  nlohmann::json arrivals = nlohmann::json::array();  // {"trial", "rung", "value"|"failure"} in order
  uint64_t decisions = 0;                             // how many were made
  int exploited_through = 0;                          // pbt: the last generation whose copies were made
  // What was done to which run folder, in order: {"train": folder, "args", "epochs", "force"} and
  // {"copy": from, "to"} (pbt), folders relative to the study: what forge search --reproduce replays.
  nlohmann::json history = nlohmann::json::array();
  std::string status = "running";  // running | completed | interrupted

  std::vector<TrialState> states() const;
  // Trials that reached the highest rung any trial reached, best first.
  std::vector<size_t> ranking() const;
};

// Trial `index`'s first run folder, relative to the study (trials/<index>) and in it.
std::string trial_folder(size_t index);
std::string trial_run_dir(const std::string& study_dir, size_t index);

// The search's id: 12 hex digits of what decides its trials (fixed flags, space, sampler,
// scheduler, budgets, metric, seed).
std::string search_id(const SearchSettings& settings);

// Opens `dir`'s study, or starts one there (written at once).
Study open_study(const std::string& dir, const SearchSettings& settings, const std::vector<std::string>& command);

// Reads an existing study: `path` is its folder or its search.json. Throws Error(ExitCode::run).
Study read_study(const std::string& path);

void save_study(const Study& study);

// The search folders (holding search.json) at or below `root`, in path order.
std::vector<std::string> find_studies(const std::string& root);

}  // namespace forge
