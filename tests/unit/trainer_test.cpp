#include "train/trainer.hpp"

#include "core/atomic_file.hpp"
#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {
namespace {

DataMap separable_data(bool with_valid = false) {
  torch::manual_seed(3);
  torch::Tensor x = torch::randn({64, 2});
  torch::Tensor y = (x.select(1, 0) > 0).to(torch::kInt64);
  DataMap data;
  data.datasets["train"] = {x, y};
  data.datasets["test"] = {x, y};
  if (with_valid) data.datasets["valid"] = {x.slice(0, 0, 16), y.slice(0, 0, 16)};
  return data;
}

TrainSettings settings(int64_t epochs, int64_t batch_size) {
  TrainSettings s;
  s.epochs = epochs;
  s.batch_size = batch_size;
  s.schedule.lr = 0.5;
  s.schedule.total_steps = 1000;
  return s;
}

// A linear classifier with fixed initial weights, so two trainers start alike.
std::shared_ptr<Model> fixed_linear() {
  torch::nn::Linear net(2, 2);
  torch::NoGradGuard guard;
  net->weight.copy_(torch::tensor({{0.3, -0.2}, {0.1, 0.4}}));
  net->bias.zero_();
  return Model::of(net);
}

TrainResult train(Model& model, const DataMap& data, const TrainSettings& s, const std::string& dir) {
  torch::optim::SGD optimizer(model.module().parameters(), torch::optim::SGDOptions(s.schedule.lr));
  Trainer trainer(model, data, optimizer, s, dir);
  return trainer.run({});
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
  TrainResult result = train(*model, data, settings(3, 16), run.path());
  EXPECT_EQ(result.outcome, TrainOutcome::completed);
  EXPECT_EQ(result.reason, "trained 3 epochs");
  EXPECT_EQ(list_checkpoints(run.path()), (std::vector<int64_t>{4, 8, 12}));
  torch::NoGradGuard guard;
  auto logits = model->forward(data.dataset("test").inputs);
  EXPECT_GT(logits.argmax(1).eq(data.dataset("test").targets).to(torch::kFloat).mean().item<float>(), 0.9);
}

TEST(Trainer, AccumulatedBatchesMatchOneBatchOfTheirSize) {
  testing::TempDir a, b;
  DataMap data = separable_data();
  auto whole = fixed_linear(), accumulated = fixed_linear();
  train(*whole, data, settings(2, 16), a.path());
  TrainSettings s = settings(2, 8);
  s.accumulate = 2;
  train(*accumulated, data, s, b.path());
  EXPECT_EQ(list_checkpoints(b.path()), (std::vector<int64_t>{4, 8}));  // optimizer steps, not batches
  for (const auto& name : {"weight", "bias"})
    EXPECT_TRUE(torch::allclose(whole->module().named_parameters()[name], accumulated->module().named_parameters()[name],
                                1e-5, 1e-6))
        << name;
}

TEST(Trainer, ClipsTheGradientNorm) {
  testing::TempDir run;
  DataMap data = separable_data();
  auto model = fixed_linear();
  torch::Tensor before = model->module().named_parameters()["weight"].clone();
  TrainSettings s = settings(1, 64);
  s.clip_grad_norm = 1e-3;
  s.max_steps = 1;
  train(*model, data, s, run.path());
  // SGD at lr 0.5 moves the parameters by lr × the clipped gradient.
  double moved = (model->module().named_parameters()["weight"] - before).norm().item<double>();
  EXPECT_GT(moved, 0);
  EXPECT_LE(moved, 0.5 * 1e-3 * (1 + 1e-5));
}

TEST(Trainer, MaxStepsEndsMidEpochWithACheckpoint) {
  testing::TempDir run;
  DataMap data = separable_data();
  auto model = fixed_linear();
  TrainSettings s = settings(100, 8);
  s.max_steps = 5;
  TrainResult result = train(*model, data, s, run.path());
  EXPECT_EQ(result.outcome, TrainOutcome::completed);
  EXPECT_EQ(result.reason, "reached --max_steps 5");
  EXPECT_EQ(list_checkpoints(run.path()).back(), 5);
  EXPECT_NE(read_file(run / "metrics.csv").find("\n5,1,test,accuracy,"), std::string::npos);  // the final test
}

TEST(Trainer, EarlyStoppingEndsTheRunAndSaysWhy) {
  testing::TempDir run;
  DataMap data = separable_data(true);
  auto model = fixed_linear();
  TrainSettings s = settings(50, 16);
  // No change counts as an improvement: the second evaluation is stale, which ends the run.
  s.early_stopping = parse_metric_goal("valid/loss:min:1:1000", "early_stopping", true);
  TrainResult result = train(*model, data, s, run.path());
  EXPECT_EQ(result.outcome, TrainOutcome::completed);
  EXPECT_NE(result.reason.find("early stopping: valid/loss did not improve by more than 1000 for 1 evaluations"),
            std::string::npos)
      << result.reason;
  EXPECT_EQ(list_checkpoints(run.path()).back(), 8);  // two epochs of four steps
  EXPECT_EQ(read_checkpoint_position(checkpoint_path(run.path(), 8)).early.stale, 1);
}

TEST(Trainer, EvaluatesValidEveryNStepsAndKeepsTheBest) {
  testing::TempDir run;
  DataMap data = separable_data(true);
  auto model = fixed_linear();
  TrainSettings s = settings(2, 8);
  s.eval_every_steps = 3;
  s.keep_checkpoints = 1;
  s.keep_best = parse_metric_goal("valid/loss:max", "keep_best", false);  // the worst loss: the first evaluation
  train(*model, data, s, run.path());
  std::string csv = read_file(run / "metrics.csv");
  for (const char* row : {"\n3,1,valid,loss,", "\n6,1,valid,loss,", "\n8,1,valid,loss,", "\n9,2,valid,loss,"})
    EXPECT_NE(csv.find(row), std::string::npos) << row << "\n" << csv;
  EXPECT_EQ(list_checkpoints(run.path()), (std::vector<int64_t>{3, 16}));
}

TEST(Trainer, LogsTheLearningRateWhereItChanges) {
  testing::TempDir run;
  DataMap data = separable_data();
  auto model = fixed_linear();
  TrainSettings s = settings(2, 16);
  s.schedule.kind = ScheduleKind::step;
  s.schedule.step_size = 4;
  train(*model, data, s, run.path());
  std::string csv = read_file(run / "metrics.csv");
  EXPECT_NE(csv.find("\n1,1,train,lr,0.5,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n5,2,train,lr,0.05,"), std::string::npos) << csv;
  size_t rows = 0;
  for (size_t at = csv.find(",lr,"); at != std::string::npos; at = csv.find(",lr,", at + 1)) ++rows;
  EXPECT_EQ(rows, 2u) << "logged without a change:\n" << csv;
}

TEST(Trainer, SettingsThatWatchAnUnevaluatedSplitAreRefused) {
  DataMap data = separable_data();
  TrainSettings s = settings(1, 8);
  s.keep_best = parse_metric_goal("valid", "keep_best", false);
  EXPECT_THROW(check_train_settings(s, data), Error);
  s.keep_best = parse_metric_goal("test/accuracy:max", "keep_best", false);
  EXPECT_THROW(check_train_settings(s, data), Error);
  s.eval_test_every = 1;
  EXPECT_NO_THROW(check_train_settings(s, data));
  s.eval_every_steps = 10;
  EXPECT_THROW(check_train_settings(s, data), Error);  // evaluates valid, which there is not
}

}  // namespace forge
