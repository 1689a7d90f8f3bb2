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
