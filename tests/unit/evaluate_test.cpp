#include "train/evaluate.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {

TEST(Evaluate, WeightsBatchMeansBySize) {
  // A "model" that predicts class 0 always: accuracy is the share of label 0, whatever the batching.
  torch::nn::Linear net(1, 2);
  torch::NoGradGuard guard;
  net->weight.zero_();
  net->bias.copy_(torch::tensor({1.0, 0.0}));
  auto model = Model::of(net);
  Dataset data{torch::zeros({5, 1}), torch::tensor({0, 0, 0, 1, 1}, torch::kInt64)};
  for (int64_t batch : {1, 2, 3, 5})
    EXPECT_NEAR(evaluate(*model, data, "test", batch).metrics["accuracy"], 0.6, 1e-12) << batch;
  EXPECT_THROW(evaluate(*model, Dataset{}, "test", 4), Error);
}

// A model whose evaluation differs from its training step: evaluate must call eval_step.
TEST(Evaluate, UsesTheModelsEvalStepUnderInferenceMode) {
  struct Scored : Model {
    using Model::Model;
    StepOutput eval_step(const Batch& batch) override {
      EXPECT_TRUE(c10::InferenceMode::is_enabled());
      EXPECT_FALSE(module().is_training());
      return {torch::zeros({}), {{"score", double(batch.inputs.size(0))}}};
    }
  };
  torch::nn::Linear net(1, 2);
  Scored model(net.ptr(), [net](const torch::Tensor& x) mutable { return net->forward(x); });
  Dataset data{torch::zeros({6, 1}), torch::zeros({6}, torch::kInt64)};
  auto metrics = evaluate(model, data, "test", 4).metrics;  // batches of 4 and 2: (4*4 + 2*2) / 6
  EXPECT_EQ(metrics.count("accuracy"), 0u);
  EXPECT_NEAR(metrics["score"], 20.0 / 6, 1e-12);
}

// A model with two heads names each output; a metric bound to one sees that output and its own
// targets field, and reports under the head's name. A metric of its own sees the whole batch.
TEST(Evaluate, MetricsSeeNamedOutputsAndTheWholeBatch) {
  struct TwoHeads : Model {
    using Model::Model;
    StepOutput eval_step(const Batch& batch) override {
      StepOutput out{torch::zeros({}), {}, {}, {}};
      out.named_outputs["species"] =
          torch::one_hot(batch.inputs.select(1, 0).gt(0).to(torch::kInt64), 2).to(torch::kFloat);
      out.named_outputs["age"] = batch.inputs.select(1, 1) * 2;
      return out;
    }
  };
  // Counts the samples whose "weight" field is above one: it sees the batch's other fields.
  struct HeavySamples : Metric {
    void update(const NamedOutputs& outputs, const Batch& batch) override {
      EXPECT_EQ(outputs.count("species"), 1u);
      EXPECT_EQ(outputs.count("outputs"), 0u) << "the model gave no main output";
      count_ += batch.field("weight").gt(1).sum().item<double>();
    }
    std::vector<torch::Tensor> state() override { return {}; }
    std::map<std::string, double> compute() const override { return {{"heavy", count_}}; }
    double count_ = 0;
  };
  torch::nn::Linear net(2, 2);
  TwoHeads model(net.ptr(), [net](const torch::Tensor& x) mutable { return net->forward(x); });
  torch::Tensor inputs = torch::tensor({{1.0, 1.0}, {-1.0, 2.0}, {1.0, 3.0}, {-1.0, 4.0}});
  torch::Tensor species = torch::tensor({1, 0, 0, 0}, torch::kInt64);  // three of four right
  torch::Tensor age = inputs.select(1, 1) * 2;                         // exactly right: R² 1
  torch::Tensor weight = torch::tensor({0.5, 1.5, 2.5, 0.5});

  std::vector<std::shared_ptr<Metric>> metrics{
      for_output("species", std::make_shared<ClassificationMetrics>(), "species"),
      for_output("age", std::make_shared<RegressionMetrics>(), "age"), std::make_shared<HeavySamples>()};
  Batch batch;
  batch.inputs = inputs;
  batch.set("species", species);
  batch.set("age", age);
  batch.set("weight", weight);
  StepOutput out = model.eval_step(batch);
  for (auto& metric : metrics) metric->update(out.named_outputs, batch);
  std::map<std::string, double> results;
  for (auto& metric : metrics)
    for (const auto& [name, value] : metric->compute()) results[name] = value;
  EXPECT_DOUBLE_EQ(results.at("age_r2"), 1.0);
  EXPECT_GT(results.count("species_macro_f1"), 0u);
  EXPECT_DOUBLE_EQ(results.at("heavy"), 2.0);
  EXPECT_EQ(metrics[0]->tables().count("species_confusion_matrix"), 1u);
  // Bound to an output the step does not give: a clear error, not silence.
  auto unbound = for_output("colour", std::make_shared<ClassificationMetrics>());
  EXPECT_THROW(unbound->update(out.named_outputs, batch), std::out_of_range);
}

// A metric that overrides neither form of update is a plugin bug named as such.
TEST(Evaluate, AMetricWithoutUpdateSaysSo) {
  struct Empty : Metric {
    std::vector<torch::Tensor> state() override { return {}; }
    std::map<std::string, double> compute() const override { return {}; }
  };
  Empty metric;
  Batch batch;
  batch.targets = torch::zeros({2});
  EXPECT_THROW(metric.update(NamedOutputs{{"outputs", torch::zeros({2, 2})}}, batch), std::logic_error);
}

}  // namespace forge

namespace forge {
namespace {

// The in-memory rows of `data` served one sample at a time, as a data plugin's source would.
class RowSource : public Source {
 public:
  explicit RowSource(Dataset data) : data_(std::move(data)) {}
  int64_t size() const override { return data_.size(); }
  Example get(int64_t index, SampleContext&) const override { return {data_.inputs[index], data_.targets[index]}; }

 private:
  Dataset data_;
};

}  // namespace

TEST(Evaluate, ASourceEvaluatesAsTheSameRowsInMemory) {
  torch::manual_seed(0);
  torch::nn::Linear net(3, 4);
  auto model = Model::of(net);
  Dataset rows{torch::randn({37, 3}), torch::randint(0, 4, {37}, torch::kInt64)};
  const Evaluation in_memory = evaluate(*model, rows, "test", 8);
  for (int64_t workers : {0, 2}) {
    LoaderSettings loading;
    loading.workers = workers;
    const Evaluation loaded =
        evaluate(*model, Dataset::of(std::make_shared<RowSource>(rows)), "test", 8, torch::kCPU, nullptr, loading);
    EXPECT_EQ(loaded.metrics, in_memory.metrics) << workers << " workers";
  }
}

}  // namespace forge
