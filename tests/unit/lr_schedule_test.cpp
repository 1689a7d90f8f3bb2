#include "train/lr_schedule.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {
namespace {

LrSchedule schedule(ScheduleKind kind, int64_t warmup = 0) {
  LrSchedule s;
  s.kind = kind;
  s.lr = 0.1;
  s.warmup_steps = warmup;
  s.step_size = 10;
  s.gamma = 0.5;
  s.min_lr = 0.001;
  s.total_steps = 110;
  return s;
}

}  // namespace

TEST(LrSchedule, ConstantWarmsUpLinearlyThenHolds) {
  EXPECT_DOUBLE_EQ(learning_rate(schedule(ScheduleKind::constant), 0), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate(schedule(ScheduleKind::constant), 5000), 0.1);
  LrSchedule warm = schedule(ScheduleKind::constant, 4);
  EXPECT_DOUBLE_EQ(learning_rate(warm, 0), 0.025);
  EXPECT_DOUBLE_EQ(learning_rate(warm, 1), 0.05);
  EXPECT_DOUBLE_EQ(learning_rate(warm, 3), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate(warm, 4), 0.1);
}

TEST(LrSchedule, StepMultipliesByGammaEveryStepSizeAfterWarmup) {
  LrSchedule s = schedule(ScheduleKind::step, 10);
  EXPECT_DOUBLE_EQ(learning_rate(s, 10), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate(s, 19), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate(s, 20), 0.05);
  EXPECT_DOUBLE_EQ(learning_rate(s, 40), 0.0125);
}

TEST(LrSchedule, CosineFallsFromLrToMinLrOverTheRest) {
  LrSchedule s = schedule(ScheduleKind::cosine, 10);
  EXPECT_DOUBLE_EQ(learning_rate(s, 10), 0.1);
  EXPECT_NEAR(learning_rate(s, 60), (0.1 + 0.001) / 2, 1e-12);  // half way through the 100 steps
  EXPECT_NEAR(learning_rate(s, 110), 0.001, 1e-12);
  EXPECT_NEAR(learning_rate(s, 500), 0.001, 1e-12);  // past the end it stays at the floor
  for (int64_t step = 11; step < 110; ++step) EXPECT_LT(learning_rate(s, step), learning_rate(s, step - 1));
}

TEST(LrSchedule, OneCycleRisesFromATwentyFifthThenFalls) {
  LrSchedule s = schedule(ScheduleKind::onecycle);
  EXPECT_DOUBLE_EQ(learning_rate(s, 0), 0.1 / 25);
  EXPECT_DOUBLE_EQ(learning_rate(s, 33), 0.1);  // 30% of 110 steps
  EXPECT_LT(learning_rate(s, 16), 0.1);
  EXPECT_NEAR(learning_rate(s, 110), 0.001, 1e-12);
  s.warmup_steps = 10;
  EXPECT_DOUBLE_EQ(learning_rate(s, 10), 0.1);
}

TEST(LrSchedule, NamesAndChecks) {
  EXPECT_EQ(parse_schedule_kind("cosine"), ScheduleKind::cosine);
  try {
    parse_schedule_kind("cosin");
    FAIL() << "accepted a typo";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("did you mean cosine?"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(depends_on_run_length(ScheduleKind::onecycle));
  EXPECT_FALSE(depends_on_run_length(ScheduleKind::step));
  LrSchedule s = schedule(ScheduleKind::cosine, 110);
  EXPECT_THROW(check_schedule(s), Error);  // warm-up as long as the run
  s = schedule(ScheduleKind::step);
  s.min_lr = 1;
  EXPECT_THROW(check_schedule(s), Error);
  EXPECT_NO_THROW(check_schedule(schedule(ScheduleKind::onecycle)));
}

}  // namespace forge
