#include "train/trainer.hpp"

#include "test_support.hpp"
#include "train/builtin_callbacks.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

#include <sstream>

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

// Rows as metrics.csv would hold them ("step,epoch,split,name,value"), in memory.
class MemorySink : public MetricSink {
 public:
  void write(int64_t step, int64_t epoch, const std::string& split,
             const std::map<std::string, double>& metrics) override {
    for (const auto& [name, value] : metrics) {
      std::ostringstream row;
      row << step << ',' << epoch << ',' << split << ',' << name << ',' << value;
      rows.push_back(row.str());
    }
  }
  void flush() override { ++flushes; }
  bool has(const std::string& prefix) const {
    for (const auto& row : rows)
      if (row.rfind(prefix, 0) == 0) return true;
    return false;
  }
  int count(const std::string& part) const {
    int n = 0;
    for (const auto& row : rows) n += row.find(part) != std::string::npos;
    return n;
  }
  std::vector<std::string> rows;
  int flushes = 0;
};

// The positions the trainer checkpointed, and the step it asked pruning to keep each time.
class MemoryCheckpointer : public Checkpointer {
 public:
  void save(const CheckpointSubject& subject, const TrainingPosition& position, int64_t keep) override {
    positions.push_back(position);
    kept.push_back(keep);
    callbacks.push_back(subject.callbacks);
  }
  std::vector<int64_t> steps() const {
    std::vector<int64_t> out;
    for (const auto& p : positions) out.push_back(p.step);
    return out;
  }
  std::vector<TrainingPosition> positions;
  std::vector<int64_t> kept;
  std::vector<std::map<std::string, CallbackState>> callbacks;
};

struct Trained {
  TrainResult result;
  std::shared_ptr<MemorySink> sink = std::make_shared<MemorySink>();
  std::shared_ptr<MemoryCheckpointer> checkpoints = std::make_shared<MemoryCheckpointer>();
};

// Plain SGD at the settings' schedule.
OptimizerSet sgd(Model& model, const TrainSettings& s) {
  return make_optimizer_set(model, {{"sgd", s.schedule.lr}, s.schedule});
}

Trained train(Model& model, const DataMap& data, const TrainSettings& s,
              std::vector<std::shared_ptr<Callback>> callbacks = {}) {
  OptimizerSet optimizer = sgd(model, s);
  Trained out;
  Trainer trainer(model, data, optimizer, s, {{out.sink}, out.checkpoints}, CallbackList(std::move(callbacks)));
  out.result = trainer.run({});
  return out;
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
  DataMap data = separable_data();
  auto model = Model::of(torch::nn::Linear(2, 2));
  Trained run = train(*model, data, settings(3, 16));
  EXPECT_EQ(run.result.outcome, TrainOutcome::completed);
  EXPECT_EQ(run.result.reason, "trained 3 epochs");
  EXPECT_EQ(run.result.step, 12);
  EXPECT_EQ(run.checkpoints->steps(), (std::vector<int64_t>{4, 8, 12}));
  EXPECT_GE(run.sink->flushes, 3) << "the rows a checkpoint stands for are flushed before it";
  torch::NoGradGuard guard;
  auto logits = model->forward(data.dataset("test").inputs);
  EXPECT_GT(logits.argmax(1).eq(data.dataset("test").targets).to(torch::kFloat).mean().item<float>(), 0.9);
}

TEST(Trainer, AccumulatedBatchesMatchOneBatchOfTheirSize) {
  DataMap data = separable_data();
  auto whole = fixed_linear(), accumulated = fixed_linear();
  train(*whole, data, settings(2, 16));
  TrainSettings s = settings(2, 8);
  s.accumulate = 2;
  Trained run = train(*accumulated, data, s);
  EXPECT_EQ(run.checkpoints->steps(), (std::vector<int64_t>{4, 8}));  // optimizer steps, not batches
  for (const auto& name : {"weight", "bias"})
    EXPECT_TRUE(torch::allclose(whole->module().named_parameters()[name],
                                accumulated->module().named_parameters()[name], 1e-5, 1e-6))
        << name;
}

TEST(Trainer, ClipsTheGradientNorm) {
  DataMap data = separable_data();
  auto model = fixed_linear();
  torch::Tensor before = model->module().named_parameters()["weight"].clone();
  TrainSettings s = settings(1, 64);
  s.clip_grad_norm = 1e-3;
  s.max_steps = 1;
  train(*model, data, s);
  // SGD at lr 0.5 moves the parameters by lr × the clipped gradient.
  double moved = (model->module().named_parameters()["weight"] - before).norm().item<double>();
  EXPECT_GT(moved, 0);
  EXPECT_LE(moved, 0.5 * 1e-3 * (1 + 1e-5));
}

TEST(Trainer, MaxStepsEndsMidEpochWithACheckpoint) {
  DataMap data = separable_data();
  auto model = fixed_linear();
  TrainSettings s = settings(100, 8);
  s.max_steps = 5;
  Trained run = train(*model, data, s);
  EXPECT_EQ(run.result.outcome, TrainOutcome::completed);
  EXPECT_EQ(run.result.reason, "reached --max_steps 5");
  EXPECT_EQ(run.checkpoints->steps().back(), 5);
  EXPECT_TRUE(run.sink->has("5,1,test,accuracy,"));  // the final test
}

// A run resumed at its end (stopped after its last checkpoint) evaluates test once, unless its
// record says that evaluation is done.
TEST(Trainer, TheFinalEvaluationRunsUnlessAlreadyRecorded) {
  DataMap data = separable_data();
  auto model = fixed_linear();
  TrainSettings s = settings(2, 16);
  OptimizerSet optimizer = sgd(*model, s);
  TrainingPosition end;
  end.epoch = 2;
  end.step = 8;
  auto sink = std::make_shared<MemorySink>();
  TrainResult result = Trainer(*model, data, optimizer, s, {{sink}, nullptr}).run(TrainingStart{end});
  EXPECT_EQ(result.step, 8);
  EXPECT_EQ(sink->count(",test,accuracy,"), 1);
  s.evaluated_step = 8;
  auto again = std::make_shared<MemorySink>();
  Trainer(*model, data, optimizer, s, {{again}, nullptr}).run(TrainingStart{end});
  EXPECT_EQ(again->count(",test,"), 0);
}

TEST(Trainer, EarlyStoppingEndsTheRunAndSaysWhy) {
  DataMap data = separable_data(true);
  auto model = fixed_linear();
  TrainSettings s = settings(50, 16);
  // No change counts as an improvement: the second evaluation is stale, which ends the run.
  Trained run =
      train(*model, data, s,
            {make_early_stopping_callback(parse_metric_goal("valid/loss:min:1:1000", "early_stopping", true))});
  EXPECT_EQ(run.result.outcome, TrainOutcome::completed);
  EXPECT_NE(run.result.reason.find("early stopping: valid/loss did not improve by more than 1000 for 1 evaluations"),
            std::string::npos)
      << run.result.reason;
  EXPECT_EQ(run.checkpoints->steps().back(), 8);  // two epochs of four steps
  EXPECT_EQ(goal_state_of(run.checkpoints->callbacks.back().at(early_stopping_callback)).stale, 1);
}

TEST(Trainer, EvaluatesValidEveryNStepsAndKeepsTheBest) {
  DataMap data = separable_data(true);
  auto model = fixed_linear();
  TrainSettings s = settings(2, 8);
  s.eval_every_steps = 3;
  // The worst loss: the first evaluation.
  Trained run =
      train(*model, data, s, {make_keep_best_callback(parse_metric_goal("valid/loss:max", "keep_best", false))});
  for (const char* row : {"3,1,valid,loss,", "6,1,valid,loss,", "8,1,valid,loss,", "9,2,valid,loss,"})
    EXPECT_TRUE(run.sink->has(row)) << row;
  EXPECT_EQ(run.checkpoints->steps(), (std::vector<int64_t>{3, 6, 8, 9, 12, 15, 16}));
  EXPECT_EQ(run.checkpoints->kept.back(), 3) << "pruning keeps the best checkpoint";
}

TEST(Trainer, LogsTheLearningRateWhereItChanges) {
  DataMap data = separable_data();
  auto model = fixed_linear();
  TrainSettings s = settings(2, 16);
  s.schedule.kind = ScheduleKind::step;
  s.schedule.step_size = 4;
  Trained run = train(*model, data, s, {make_learning_rates_callback()});
  EXPECT_TRUE(run.sink->has("1,1,train,lr,0.5"));
  EXPECT_TRUE(run.sink->has("5,2,train,lr,0.05"));
  EXPECT_EQ(run.sink->count(",lr,"), 2) << "logged without a change";
}

TEST(Trainer, SettingsThatWatchAnUnevaluatedSplitAreRefused) {
  DataMap data = separable_data();
  EXPECT_THROW(check_watched_split(parse_metric_goal("valid", "keep_best", false), "keep_best", data, 0), Error);
  const MetricGoal test = parse_metric_goal("test/accuracy:max", "keep_best", false);
  EXPECT_THROW(check_watched_split(test, "keep_best", data, 0), Error);
  EXPECT_NO_THROW(check_watched_split(test, "keep_best", data, 1));
  TrainSettings s = settings(1, 8);
  s.eval_every_steps = 10;
  EXPECT_THROW(check_train_settings(s, data, *fixed_linear()), Error);  // evaluates valid, which there is not
}

namespace {

// A callback with state of its own: a running mean of the loss, logged every step, and the
// moments it saw.
class Smoother : public Callback {
 public:
  std::string name() const override { return "smoother"; }
  void on_fit_start(Loop&) override { moments.push_back("fit_start"); }
  void on_fit_end(Loop&) override { moments.push_back("fit_end"); }
  void on_epoch_start(Loop& loop, const std::string& split) override {
    moments.push_back(split + "_start " + std::to_string(loop.epoch()));
  }
  void on_epoch_end(Loop& loop, const std::string& split, const std::map<std::string, double>&) override {
    moments.push_back(split + "_end " + std::to_string(loop.epoch()));
  }
  void on_train_step_end(Loop& loop, const std::map<std::string, double>& metrics) override {
    value_ = steps_ == 0 ? metrics.at("loss") : 0.5 * value_ + 0.5 * metrics.at("loss");
    ++steps_;
    loop.log("train", {{"smoothed", value_}});
    if (stop_at_ > 0 && loop.step() == stop_at_) loop.stop("smoother had enough");
  }
  void before_checkpoint(Loop& loop) override { moments.push_back("checkpoint " + std::to_string(loop.step())); }
  CallbackState state() const override { return {{{"steps", torch::tensor(steps_)}}, {{"value", value_}}, {}}; }
  void load_state(const CallbackState& saved) override {
    steps_ = saved.tensors.at("steps").item<int64_t>();
    value_ = saved.numbers.at("value");
  }

  std::vector<std::string> moments;
  int64_t stop_at_ = 0;

 private:
  double value_ = 0;
  int64_t steps_ = 0;
};

}  // namespace

TEST(Trainer, CallbacksSeeTheLoopsMomentsInOrder) {
  DataMap data = separable_data(true);
  auto model = fixed_linear();
  auto smoother = std::make_shared<Smoother>();
  Trained run = train(*model, data, settings(2, 32), {smoother});
  const std::vector<std::string> expected{
      "fit_start",   "train_start 1", "train_end 1", "valid_start 1", "valid_end 1",  "checkpoint 2", "train_start 2",
      "train_end 2", "valid_start 2", "valid_end 2", "checkpoint 4",  "test_start 2", "test_end 2",   "fit_end"};
  EXPECT_EQ(smoother->moments, expected);
  EXPECT_EQ(run.sink->count(",train,smoothed,"), 4);
  EXPECT_EQ(run.checkpoints->callbacks.back().at("smoother").tensors.at("steps").item<int64_t>(), 4);
}

// Resumed from a checkpoint's callback states, a run writes the rows an uninterrupted one does.
TEST(Trainer, ACallbacksStateResumesExactly) {
  DataMap data = separable_data();
  auto straight_model = fixed_linear();
  TrainSettings s = settings(2, 16);
  Trained straight = train(*straight_model, data, s, {std::make_shared<Smoother>()});

  auto model = fixed_linear();
  OptimizerSet optimizer = sgd(*model, s);
  auto first = std::make_shared<MemoryCheckpointer>();
  TrainSettings half = s;
  half.stop_after_steps = 3;
  Trainer(*model, data, optimizer, half, {{std::make_shared<MemorySink>()}, first},
          CallbackList({std::make_shared<Smoother>()}))
      .run({});
  TrainingStart start{first->positions.back(), true, {}, first->callbacks.back()};
  auto rest = std::make_shared<MemorySink>();
  Trainer(*model, data, optimizer, s, {{rest}, nullptr}, CallbackList({std::make_shared<Smoother>()}))
      .run(std::move(start));
  std::vector<std::string> tail;
  for (const auto& row : straight.sink->rows)
    if (row.find(",smoothed,") != std::string::npos && std::stoll(row) > 3) tail.push_back(row);
  std::vector<std::string> resumed;
  for (const auto& row : rest->rows)
    if (row.find(",smoothed,") != std::string::npos) resumed.push_back(row);
  EXPECT_EQ(resumed, tail);
  EXPECT_EQ(resumed.size(), 5u);
}

TEST(Trainer, ACallbackStopsTheRunAfterACheckpoint) {
  DataMap data = separable_data();
  auto model = fixed_linear();
  auto smoother = std::make_shared<Smoother>();
  smoother->stop_at_ = 3;
  Trained run = train(*model, data, settings(5, 16), {smoother});
  EXPECT_EQ(run.result.outcome, TrainOutcome::completed);
  EXPECT_EQ(run.result.reason, "smoother had enough");
  EXPECT_EQ(run.checkpoints->steps(), (std::vector<int64_t>{3}));
  EXPECT_TRUE(run.sink->has("3,1,test,accuracy,"));  // the final evaluation still runs
}

TEST(Trainer, CallbacksNeedNamesOfTheirOwn) {
  EXPECT_THROW(CallbackList({std::make_shared<Smoother>(), std::make_shared<Smoother>()}), Error);
  EXPECT_THROW(CallbackList({make_learning_rates_callback(), make_learning_rates_callback()}), Error);
  EXPECT_THROW(CallbackList({nullptr}), Error);
}

}  // namespace forge
