// forge's own callbacks (forge/callback.hpp), which the flags turn on: each keeps its state in
// every checkpoint under its name, as a plugin's callback does.
#pragma once

#include <forge/callback.hpp>
#include <forge/data.hpp>

#include "train/metric_goal.hpp"

#include <memory>
#include <string>

namespace forge {

// Their names: their keys in checkpoints, which a model's callbacks may not take.
inline constexpr const char* ema_callback = "ema";
inline constexpr const char* keep_best_callback = "keep_best";
inline constexpr const char* early_stopping_callback = "early_stopping";
inline constexpr const char* learning_rates_callback = "learning_rates";
inline constexpr const char* progress_bar_callback = "progress_bar";

// --ema_decay: the average of the weights (train/weight_average.hpp), updated after every step
// and evaluated instead of them. It starts from the weights as training starts (after
// --init_weights); a checkpoint's average continues. Throws Error(ExitCode::usage) for a decay
// outside (0, 1).
std::shared_ptr<Callback> make_weight_average_callback(double decay);

// --keep_best: follows `goal` (resolved: a metric named) through the evaluations of its split
// and keeps its best checkpoint when older ones are pruned.
std::shared_ptr<Callback> make_keep_best_callback(const MetricGoal& goal);

// --early_stopping: ends the run when `goal` has not improved for its patience.
std::shared_ptr<Callback> make_early_stopping_callback(const MetricGoal& goal);

// The rows of every optimizer's (and every parameter group's) learning rate, at the steps
// where they change: `lr` for a run's only optimizer (`lr_<name>` for several), `_group<k>`
// after it for its group k > 0.
std::shared_ptr<Callback> make_learning_rates_callback();

// The progress bar on the terminal (metrics/progress_bar.hpp).
std::shared_ptr<Callback> make_progress_bar_callback();

// Throws Error(ExitCode::usage) when `goal` (of --`flag`) watches a split the run never
// evaluates: valid without a valid set, test without --eval_test_every.
void check_watched_split(const MetricGoal& goal, const std::string& flag, const DataMap& data, int64_t eval_test_every);

// A goal's record as the keep_best and early_stopping callbacks keep it, and back.
CallbackState goal_callback_state(const GoalState& state);
GoalState goal_state_of(const CallbackState& state);

}  // namespace forge
