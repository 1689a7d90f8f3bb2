#include "train/metric_goal.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {

TEST(MetricGoal, ParsesSplitMetricDirectionPatienceAndDelta) {
  MetricGoal goal = parse_metric_goal("valid/loss:min:3:0.01", "early_stopping", true);
  EXPECT_EQ(goal.split, "valid");
  EXPECT_EQ(goal.name, "loss");
  EXPECT_FALSE(goal.maximize);
  EXPECT_EQ(goal.patience, 3);
  EXPECT_DOUBLE_EQ(goal.min_delta, 0.01);
  EXPECT_EQ(goal.watched(), "valid/loss:min");

  MetricGoal main = parse_metric_goal("valid:7", "early_stopping", true);
  EXPECT_EQ(main.name, "");  // the model's own metric, resolved by the trainer
  EXPECT_EQ(main.patience, 7);
  EXPECT_EQ(parse_metric_goal("test/accuracy:max", "keep_best", false).patience, 5);
}

TEST(MetricGoal, RefusesMalformedText) {
  for (const char* bad : {"accuracy:max", "valid/accuracy", "valid/accuracy:up", "/x:min", "valid/:max",
                          "valid/loss:min:0", "valid/loss:min:2:-1", "valid/loss:min:x", "valid/loss:min:1:2:3"})
    EXPECT_THROW(parse_metric_goal(bad, "early_stopping", true), Error) << bad;
  EXPECT_THROW(parse_metric_goal("valid/loss:min:3", "keep_best", false), Error);  // no patience for keep_best
}

TEST(GoalState, CountsEvaluationsWithoutImprovementBeyondMinDelta) {
  MetricGoal goal = parse_metric_goal("valid/loss:min:2:0.1", "early_stopping", true);
  GoalState state;
  EXPECT_TRUE(state.update(goal, 10, 1.0));    // the first evaluation is the best so far
  EXPECT_FALSE(state.update(goal, 20, 0.95));  // better, but not by more than 0.1
  EXPECT_EQ(state.stale, 1);
  EXPECT_TRUE(state.update(goal, 30, 0.8));
  EXPECT_EQ(state.stale, 0);
  EXPECT_EQ(state.best_step, 30);
  EXPECT_FALSE(state.update(goal, 40, 2.0));
  EXPECT_FALSE(state.update(goal, 50, 2.0));
  EXPECT_EQ(state.stale, 2);
  EXPECT_DOUBLE_EQ(state.best_value, 0.8);
}

}  // namespace forge
