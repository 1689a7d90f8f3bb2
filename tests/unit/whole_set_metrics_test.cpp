// The built-in whole-set metrics (forge/classification_metrics.hpp, regression_metrics.hpp)
// against numbers worked out by hand, and their states adding up as data-parallel ranks' do.
#include <forge/classification_metrics.hpp>
#include <forge/regression_metrics.hpp>

#include "metrics/table_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace forge {
namespace {

// Logits whose argmax is `predicted`.
torch::Tensor logits_for(const std::vector<int64_t>& predicted, int64_t classes) {
  torch::Tensor out = torch::zeros({int64_t(predicted.size()), classes});
  for (size_t i = 0; i < predicted.size(); ++i) out[i][predicted[i]] = 1;
  return out;
}

}  // namespace

TEST(ClassificationMetrics, MacroF1OverTheClassesThatOccurAndTheConfusionMatrix) {
  // Classes 0..3; class 3 never occurs, as target or prediction: left out of the macro average.
  ClassificationMetrics metrics;
  metrics.update(logits_for({0, 0, 1, 1}, 4), torch::tensor({0, 1, 1, 1}));
  metrics.update(logits_for({2, 0}, 4), torch::tensor({2, 2}));
  auto result = metrics.compute();
  // class 0: tp 1, predicted 3, actual 1 -> p 1/3, r 1, f1 1/2
  // class 1: tp 2, predicted 2, actual 3 -> p 1,   r 2/3, f1 4/5
  // class 2: tp 1, predicted 1, actual 2 -> p 1,   r 1/2, f1 2/3
  EXPECT_NEAR(result.at("macro_f1"), (0.5 + 0.8 + 2.0 / 3) / 3, 1e-12);
  EXPECT_NEAR(result.at("macro_precision"), (1.0 / 3 + 1 + 1) / 3, 1e-12);
  EXPECT_NEAR(result.at("macro_recall"), (1 + 2.0 / 3 + 0.5) / 3, 1e-12);
  EXPECT_EQ(result.count("auroc"), 0u);
  auto tables = metrics.tables();
  EXPECT_EQ(table_csv(tables.at("confusion_matrix")),
            "true\\predicted,0,1,2,3\n0,1,0,0,0\n1,1,2,0,0\n2,1,0,1,0\n3,0,0,0,0\n");
  EXPECT_EQ(table_csv(tables.at("per_class")).substr(0, 53), "class,precision,recall,f1,support\n0,0.3333333333,1,0.");
}

TEST(ClassificationMetrics, AurocOfTwoClassesRanksPositivesAboveNegatives) {
  ClassificationMetrics metrics;
  // P(class 1) = sigmoid(x): positives at 0.9, 0.6, 0.2; negatives at 0.7, 0.1.
  auto logit = [](double p) { return std::log(p / (1 - p)); };
  torch::Tensor x = torch::tensor({logit(0.9), logit(0.6), logit(0.2), logit(0.7), logit(0.1)}, torch::kFloat32);
  metrics.update(torch::stack({torch::zeros_like(x), x}, 1), torch::tensor({1, 1, 1, 0, 0}));
  // Pairs (positive above negative): 0.9 > both, 0.6 > 0.1, 0.2 > 0.1: 4 of 6.
  EXPECT_NEAR(metrics.compute().at("auroc"), 4.0 / 6, 1e-12);
}

// A diverged model's NaN scores (AUROC's histogram once turned them into INT64_MIN and bincount
// threw): counted, left out, and the metrics NaN, never an exception.
TEST(ClassificationMetrics, NonFiniteScoresAreCountedAndMakeTheMetricsNaN) {
  ClassificationMetrics metrics;
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  torch::Tensor logits = torch::tensor({{0.0, 1.0}, {nan, nan}, {1.0, 0.0}, {0.0, inf}}, torch::kFloat32);
  ASSERT_NO_THROW(metrics.update(logits, torch::tensor({1, 0, 0, 1})));
  const auto values = metrics.compute();
  EXPECT_EQ(values.at("non_finite_outputs"), 2);
  EXPECT_TRUE(std::isnan(values.at("macro_f1")));
  EXPECT_TRUE(std::isnan(values.at("auroc")));
  EXPECT_EQ(metrics.tables().at("confusion_matrix").values.sum().item<double>(), 2);  // the finite rows
  RegressionMetrics regression;
  ASSERT_NO_THROW(regression.update(torch::tensor({{1.0}, {nan}}), torch::tensor({{1.0}, {2.0}})));
  EXPECT_EQ(regression.compute().at("non_finite_outputs"), 1);
  EXPECT_TRUE(std::isnan(regression.compute().at("r2")));
}

TEST(ClassificationMetrics, RanksStatesAddUpToTheWholeSets) {
  ClassificationMetrics whole, first, second;
  torch::Tensor logits = torch::randn({40, 3}), targets = torch::randint(0, 3, {40});
  whole.update(logits, targets);
  first.update(logits.slice(0, 0, 17), targets.slice(0, 0, 17));
  second.update(logits.slice(0, 17), targets.slice(0, 17));
  for (size_t i = 0; i < first.state().size(); ++i) first.state()[i].add_(second.state()[i]);
  EXPECT_EQ(first.compute(), whole.compute());
}

TEST(RegressionMetrics, R2IsOneMinusResidualOverTotalAndAveragesColumns) {
  RegressionMetrics metrics;
  metrics.update(torch::tensor({{1.0}, {2.0}}), torch::tensor({1.0, 3.0}));
  metrics.update(torch::tensor({{3.0}}), torch::tensor({5.0}));
  // targets 1, 3, 5: mean 3, total 8; residuals 0, 1, 4: 5.
  EXPECT_NEAR(metrics.compute().at("r2"), 1 - 5.0 / 8, 1e-12);
  RegressionMetrics two;
  two.update(torch::tensor({{1.0, 0.0}, {3.0, 0.0}}), torch::tensor({{1.0, 1.0}, {3.0, -1.0}}));
  EXPECT_NEAR(two.compute().at("r2"), (1.0 + (1 - 2.0 / 2)) / 2, 1e-12);
  EXPECT_TRUE(RegressionMetrics().compute().empty());
}

}  // namespace forge
