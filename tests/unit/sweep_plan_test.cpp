#include "sweep/sweep_plan.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {
namespace {

using Args = std::vector<std::string>;

TEST(SweepPlan, CommaListsBecomeAxesAndTheGridVariesTheLastAxisFastest) {
  SweepPlan plan =
      plan_sweep({"--data", "mnist", "--model=mlp", "--lr", "1e-3,3e-4", "--n_hidden=128,256", "--epochs", "2"});
  EXPECT_EQ(plan.shared_args, (Args{"--data", "mnist", "--model", "mlp", "--epochs", "2"}));
  ASSERT_EQ(plan.axes.size(), 2u);
  EXPECT_EQ(plan.axes[1].flag, "n_hidden");
  ASSERT_EQ(plan.points.size(), 4u);
  EXPECT_EQ(plan.points[1].label(), "lr=1e-3 n_hidden=256");
  EXPECT_EQ(plan.points[2].label(), "lr=3e-4 n_hidden=128");
  EXPECT_EQ(plan.points[3].train_args,
            (Args{"--data", "mnist", "--model", "mlp", "--epochs", "2", "--lr", "3e-4", "--n_hidden", "256"}));
  EXPECT_EQ(plan.id.size(), 12u);
}

TEST(SweepPlan, APointsHashDependsOnItsFlagsAloneAndTheIdOnTheWholeSweep) {
  SweepPlan two = plan_sweep({"--data", "synthetic", "--lr", "1e-3,3e-4"});
  SweepPlan three = plan_sweep({"--data", "synthetic", "--lr", "1e-3,3e-4,1e-4"});
  EXPECT_EQ(two.points[1].hash, three.points[1].hash);  // the same point, found again by a wider sweep
  EXPECT_NE(two.points[0].hash, two.points[1].hash);
  EXPECT_NE(two.id, three.id);
  EXPECT_EQ(two.id, plan_sweep({"--data", "synthetic", "--lr", "1e-3,3e-4"}).id);
  EXPECT_NE(two.points[0].hash, plan_sweep({"--data", "synthetic", "--lr", "1e-3,3e-4", "--seed", "1"}).points[0].hash);
}

TEST(SweepPlan, WithoutListsItIsOnePoint) {
  SweepPlan plan = plan_sweep({"--data", "synthetic", "--deterministic", "--model", "mlp"});
  ASSERT_EQ(plan.points.size(), 1u);
  EXPECT_EQ(plan.points[0].label(), "(the one point)");
  EXPECT_EQ(plan.shared_args, (Args{"--data", "synthetic", "--deterministic", "--model", "mlp"}));
}

TEST(SweepPlan, RefusesEmptyValuesRepeatedAxesAndRunDir) {
  for (const Args& args : {Args{"--lr", "1e-3,"}, Args{"--lr", "1e-3,3e-4", "--lr=1,2"}, Args{"--run_dir", "x"}}) {
    try {
      plan_sweep(args);
      ADD_FAILURE() << args[0] << " " << args[1];
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage) << e.what();
    }
  }
}

}  // namespace
}  // namespace forge
