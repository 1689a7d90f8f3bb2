// Watching one evaluated metric: --keep_best (keep the checkpoint where it was best) and
// --early_stopping (end the run when it stops improving). Both name it as split/metric:min|max,
// or by the split alone, which means the model's own metric (Model::main_metric).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace forge {

struct MetricGoal {
  std::string split;  // "train", "valid" or "test"
  std::string name;   // "" until resolved: the model's main metric
  bool maximize = true;
  int64_t patience = 5;  // early stopping: evaluations without improvement before the run ends
  double min_delta = 0;  // early stopping: the least change that counts as an improvement

  // "valid/accuracy:max": what the goal watches, without patience, as the checkpoint records it.
  std::string watched() const;
};

// Parses split[/metric:min|max] for --keep_best, and with [:patience[:min_delta]] after it for
// --early_stopping (`flag` says which). Throws Error(ExitCode::usage) when malformed.
MetricGoal parse_metric_goal(const std::string& text, const std::string& flag, bool allow_patience);

// What a watched metric has done so far; saved in every checkpoint.
struct GoalState {
  std::string watched;     // the goal it belongs to (MetricGoal::watched); a different goal starts afresh
  int64_t best_step = -1;  // the step where it was best (-1: not evaluated yet)
  double best_value = 0;
  int64_t stale = 0;  // evaluations since it last improved

  // Records one evaluation at `step`; returns true when it is the best so far. Improving needs
  // more than goal.min_delta.
  bool update(const MetricGoal& goal, int64_t step, double value);
};

}  // namespace forge
