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

// Dense scores ([batch, classes, H, W]) once met a cryptic broadcast error, or an accuracy
// above 1; now one line says which shape the default takes and which hook to override. The
// whole-set metrics refuse them too, rather than counting nothing in silence.
TEST(Model, TheDefaultStepAndMetricsRefuseOutputsTheyCannotScore) {
  auto model = identity_model();
  const Batch dense{torch::zeros({2, 3, 4, 4}), torch::zeros({2, 4, 4}, torch::kInt64)};
  try {
    model->step(dense);
    ADD_FAILURE() << "scored dense outputs";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("gives [2, 3, 4, 4] for targets [2, 4, 4]: override Model::step"),
              std::string::npos)
        << e.what();
  }
  auto metrics = model->eval_metrics();
  EXPECT_THROW(metrics[0]->update(torch::zeros({2, 3, 4, 4}), torch::zeros({2}, torch::kInt64)), std::invalid_argument);
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
