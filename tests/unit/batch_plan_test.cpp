// The built-in batch planners (forge/batch_plan.hpp), and the trainer following a data plugin's
// plan: its batches, their number, its errors.
#include <forge/batch_plan.hpp>
#include <forge/error.hpp>

#include "train/trainer.hpp"

#include <gtest/gtest.h>

#include <set>

namespace forge {
namespace {

PlanContext context(int64_t epoch, int64_t samples, int64_t batch_size, int64_t seed = 7) {
  return {"train", epoch, samples, batch_size, seed};
}

std::vector<int64_t> flat(const std::vector<torch::Tensor>& batches) {
  std::vector<int64_t> out;
  for (const auto& b : batches)
    for (int64_t i = 0; i < b.size(0); ++i) out.push_back(b[i].item<int64_t>());
  return out;
}

std::vector<int64_t> sizes(const std::vector<torch::Tensor>& batches) {
  std::vector<int64_t> out;
  for (const auto& b : batches) out.push_back(b.size(0));
  return out;
}

}  // namespace

TEST(BatchPlan, SequentialAndShuffledCutTheEpochAndDropTheLastShortBatchWhenAsked) {
  EXPECT_EQ(sizes(sequential_batches()->plan(context(1, 10, 4))), (std::vector<int64_t>{4, 4, 2}));
  EXPECT_EQ(sizes(sequential_batches(true)->plan(context(1, 10, 4))), (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(flat(sequential_batches()->plan(context(3, 5, 2))), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  auto shuffled = shuffled_batches();
  const auto one = flat(shuffled->plan(context(1, 50, 8)));
  EXPECT_EQ(one, flat(shuffled->plan(context(1, 50, 8)))) << "a function of the context alone";
  EXPECT_NE(one, flat(shuffled->plan(context(2, 50, 8))));
  EXPECT_NE(one, flat(shuffled->plan(context(1, 50, 8, 8))));
  EXPECT_EQ(std::set<int64_t>(one.begin(), one.end()).size(), 50u);
}

TEST(BatchPlan, LengthBucketsHoldSamplesOfSimilarLengthAndEverySampleOnce) {
  std::vector<int64_t> lengths;
  for (int64_t i = 0; i < 400; ++i) lengths.push_back((i * 37) % 30 + 1);
  auto bucketed = length_bucketed_batches(lengths, 10);
  const auto batches = bucketed->plan(context(1, 400, 16));
  const auto all = flat(batches);
  EXPECT_EQ(std::set<int64_t>(all.begin(), all.end()).size(), 400u);
  int64_t spread = 0, random_spread = 0;
  const auto random = shuffled_batches()->plan(context(1, 400, 16));
  auto widest = [&](const torch::Tensor& b) {
    int64_t low = 1000, high = 0;
    for (int64_t i = 0; i < b.size(0); ++i) {
      low = std::min(low, lengths[size_t(b[i].item<int64_t>())]);
      high = std::max(high, lengths[size_t(b[i].item<int64_t>())]);
    }
    return high - low;
  };
  for (const auto& b : batches) spread += widest(b);
  for (const auto& b : random) random_spread += widest(b);
  EXPECT_LT(spread * 5, random_spread) << "buckets pad far less than random batches";
  EXPECT_EQ(flat(bucketed->plan(context(1, 400, 16))), all);
  EXPECT_THROW(bucketed->plan(context(1, 399, 16)), std::invalid_argument);
}

TEST(BatchPlan, ClassBalancedDrawsEveryClassAlike) {
  std::vector<int64_t> labels(1000, 0);
  for (size_t i = 0; i < 50; ++i) labels[i * 20] = 3;  // 5% of the samples
  const auto drawn = flat(class_balanced_batches(labels)->plan(context(1, 1000, 32)));
  ASSERT_EQ(drawn.size(), 1000u);
  int64_t rare = 0;
  for (int64_t i : drawn) rare += labels[size_t(i)] == 3;
  EXPECT_GT(rare, 400);
  EXPECT_LT(rare, 600);
  EXPECT_EQ(sizes(class_balanced_batches(labels, 100, true)->plan(context(1, 1000, 32))),
            (std::vector<int64_t>{32, 32, 32}));
}

namespace {

DataMap planned_data(std::shared_ptr<BatchPlanner> planner) {
  torch::manual_seed(2);
  DataMap data;
  torch::Tensor x = torch::randn({40, 2});
  data.datasets["train"] = {x, (x.select(1, 0) > 0).to(torch::kInt64)};
  data.datasets["train"].planner = std::move(planner);
  return data;
}

TrainSettings settings(int64_t batch_size) {
  TrainSettings s;
  s.epochs = 2;
  s.batch_size = batch_size;
  s.schedule.lr = 0.1;
  s.schedule.total_steps = 100;
  return s;
}

// Every epoch's plan, by epoch, as the trainer asked for it.
class RecordingPlanner : public BatchPlanner {
 public:
  explicit RecordingPlanner(std::function<std::vector<torch::Tensor>(const PlanContext&)> plan)
      : plan_(std::move(plan)) {}
  std::vector<torch::Tensor> plan(const PlanContext& c) const override {
    epochs.push_back(c.epoch);
    return plan_(c);
  }
  mutable std::vector<int64_t> epochs;

 private:
  std::function<std::vector<torch::Tensor>(const PlanContext&)> plan_;
};

}  // namespace

TEST(BatchPlan, TheTrainerFollowsTheDatasPlanAndRefusesABadOne) {
  TrainSettings s = settings(8);
  EXPECT_EQ(batches_per_epoch(planned_data(nullptr).dataset("train"), s), 5);
  EXPECT_EQ(batches_per_epoch(planned_data(sequential_batches(true)).dataset("train"), settings(16)), 2);
  s.drop_last = true;
  EXPECT_EQ(batches_per_epoch(planned_data(nullptr).dataset("train"), settings(16)), 3);
  TrainSettings dropping = settings(16);
  dropping.drop_last = true;
  EXPECT_EQ(batches_per_epoch(planned_data(nullptr).dataset("train"), dropping), 2);

  // Three batches of 4 a epoch: 3 steps, checkpointed at 3 and 6.
  auto planner = std::make_shared<RecordingPlanner>([](const PlanContext& c) {
    EXPECT_EQ(c.batch_size, 8);
    return std::vector<torch::Tensor>{torch::arange(0, 4), torch::arange(10, 14), torch::arange(20, 24)};
  });
  DataMap data = planned_data(planner);
  auto model = Model::of(torch::nn::Linear(2, 2));
  OptimizerSet optimizer = make_optimizer_set(*model, {{"sgd", 0.1}, s.schedule});
  TrainResult result = Trainer(*model, data, optimizer, settings(8), {}).run({});
  EXPECT_EQ(result.step, 6);
  EXPECT_EQ(planner->epochs, (std::vector<int64_t>{1, 1, 2})) << "sized from epoch 1, then each epoch planned";

  for (const auto& bad : std::vector<std::vector<torch::Tensor>>{
           {torch::arange(0, 4), torch::tensor({40}, torch::kInt64)},  // beyond the split
           {torch::arange(0, 4), torch::empty({0}, torch::kInt64)}}) {
    DataMap refused = planned_data(std::make_shared<RecordingPlanner>([bad](const PlanContext&) { return bad; }));
    try {
      batches_per_epoch(refused.dataset("train"), settings(8));
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::data);
    }
  }
  // An epoch with more batches than the first.
  DataMap growing = planned_data(std::make_shared<RecordingPlanner>(
      [](const PlanContext& c) { return cut_into_batches(torch::arange(4 * c.epoch), 4, false); }));
  auto other = Model::of(torch::nn::Linear(2, 2));
  OptimizerSet other_optimizer = make_optimizer_set(*other, {{"sgd", 0.1}, s.schedule});
  EXPECT_THROW(Trainer(*other, growing, other_optimizer, settings(8), {}).run({}), Error);
}

}  // namespace forge
