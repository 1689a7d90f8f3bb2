// The default steps a model plugin gets from forge/model.hpp.
#include <forge/model.hpp>

#include <gtest/gtest.h>

namespace forge {
namespace {

// A "network" that returns its input: the test chooses the outputs directly.
struct Identity : torch::nn::Module {
  torch::Tensor forward(const torch::Tensor& x) { return x; }
};

std::shared_ptr<Model> identity_model() {
  auto module = std::make_shared<Identity>();
  return std::make_shared<Model>(module, [module](const torch::Tensor& x) { return module->forward(x); });
}

}  // namespace

TEST(Model, ClassificationReportsAccuracyAndTopFiveBeyondFiveClasses) {
  auto model = identity_model();
  torch::Tensor logits = torch::zeros({2, 7});
  logits[0][3] = 5;   // target 3: right
  logits[1][0] = 5;   // target 6: wrong,
  logits[1][6] = -1;  // and ranked last, outside the top five
  StepOutput out = model->step({logits, torch::tensor({3, 6}, torch::kInt64)});
  EXPECT_DOUBLE_EQ(out.metrics["accuracy"], 0.5);
  EXPECT_DOUBLE_EQ(out.metrics["top5_accuracy"], 0.5);
  EXPECT_NEAR(out.metrics["loss"], out.loss.item<double>(), 1e-12);
  EXPECT_EQ(model->step({torch::zeros({1, 3}), torch::tensor({0}, torch::kInt64)}).metrics.count("top5_accuracy"), 0u);
  EXPECT_EQ(model->main_metric().name, "accuracy");
  EXPECT_TRUE(model->main_metric().maximize);
}

TEST(Model, RegressionReportsMseAndMae) {
  auto model = identity_model();
  model->set_task(Task::regression);
  StepOutput out = model->step({torch::tensor({{1.0f}, {3.0f}}), torch::tensor({0.0f, 1.0f})});
  EXPECT_NEAR(out.metrics["mse"], (1.0 + 4.0) / 2, 1e-6);
  EXPECT_NEAR(out.metrics["mae"], (1.0 + 2.0) / 2, 1e-6);
  EXPECT_DOUBLE_EQ(out.metrics["loss"], out.metrics["mse"]);
  EXPECT_EQ(model->main_metric().name, "loss");
  EXPECT_FALSE(model->main_metric().maximize);
}

TEST(Model, PluginsCanNameTheirOwnMetric) {
  auto model = identity_model();
  model->set_main_metric("f1", true);
  EXPECT_EQ(model->main_metric().name, "f1");
}

}  // namespace forge
