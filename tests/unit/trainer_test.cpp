#include "train/trainer.hpp"

#include "core/error.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace forge {
namespace {

DataMap separable_data() {
  torch::manual_seed(3);
  torch::Tensor x = torch::randn({64, 2});
  torch::Tensor y = (x.select(1, 0) > 0).to(torch::kInt64);
  DataMap data;
  data.datasets["train"] = {x, y};
  data.datasets["test"] = {x, y};
  return data;
}

}  // namespace

TEST(Trainer, EpochOrderDependsOnlyOnSeedAndEpoch) {
  torch::Tensor a = Trainer::epoch_order(100, 7, 3);
  torch::rand({10});  // drawing from the default generator must not matter
  EXPECT_TRUE(torch::equal(a, Trainer::epoch_order(100, 7, 3)));
  EXPECT_FALSE(torch::equal(a, Trainer::epoch_order(100, 7, 4)));
  EXPECT_FALSE(torch::equal(a, Trainer::epoch_order(100, 8, 3)));
  EXPECT_TRUE(torch::equal(std::get<0>(a.sort()), torch::arange(100)));
}

TEST(Trainer, LearnsAndCheckpointsEveryEpoch) {
  testing::TempDir run;
  DataMap data = separable_data();
  auto model = Model::of(torch::nn::Linear(2, 2));
  torch::optim::SGD optimizer(model->module().parameters(), torch::optim::SGDOptions(0.5));
  Trainer trainer(*model, data, optimizer, {3, 16, 100, 0}, run.path());
  EXPECT_EQ(trainer.run({}), TrainOutcome::completed);
  EXPECT_EQ(list_checkpoints(run.path()), (std::vector<int64_t>{4, 8, 12}));
  torch::NoGradGuard guard;
  auto logits = model->forward(data.dataset("test").inputs);
  EXPECT_GT(logits.argmax(1).eq(data.dataset("test").targets).to(torch::kFloat).mean().item<float>(), 0.9);
}

}  // namespace forge

namespace forge {

TEST(BestMetric, ParsesSplitNameAndDirection) {
  BestMetric best = parse_best_metric("test/accuracy:max");
  EXPECT_EQ(best.split, "test");
  EXPECT_EQ(best.name, "accuracy");
  EXPECT_TRUE(best.maximize);
  EXPECT_FALSE(parse_best_metric("train/loss:min").maximize);
  for (const char* bad : {"accuracy:max", "test/accuracy", "test/accuracy:up", "/x:min", "test/:max"})
    EXPECT_THROW(parse_best_metric(bad), Error) << bad;
}

}  // namespace forge
