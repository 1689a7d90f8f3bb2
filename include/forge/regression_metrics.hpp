// The whole-set metric of a regression (the default of a regression model's eval_metrics): R²,
// the coefficient of determination, averaged over output columns (sklearn's r2_score). Rows
// whose predictions are not finite (a diverged model) are counted, `non_finite_outputs`, and
// make R² NaN.
#pragma once

#include <forge/metric.hpp>

#include <limits>

namespace forge {

class RegressionMetrics : public Metric {
 public:
  void update(const torch::Tensor& outputs, const torch::Tensor& targets) override {
    torch::Tensor predicted = outputs.detach().to(torch::kCPU, torch::kFloat64);
    torch::Tensor actual = targets.detach().to(torch::kCPU, torch::kFloat64);
    if (predicted.dim() == actual.dim() + 1 && predicted.size(-1) == 1) predicted = predicted.squeeze(-1);
    if (predicted.sizes() != actual.sizes() || predicted.dim() == 0) return;
    predicted = predicted.reshape({predicted.size(0), -1});
    actual = actual.reshape({actual.size(0), -1});
    if (!non_finite_.defined()) non_finite_ = torch::zeros({1}, torch::kFloat64);
    non_finite_.add_(torch::isfinite(predicted).all(1).logical_not().sum().to(torch::kFloat64));
    // Per column: count, sum of targets, sum of their squares, sum of squared residuals.
    torch::Tensor batch = torch::stack({torch::full({actual.size(1)}, double(actual.size(0)), torch::kFloat64),
                                        actual.sum(0), actual.square().sum(0), (actual - predicted).square().sum(0)});
    if (!sums_.defined())
      sums_ = batch;
    else if (sums_.sizes() == batch.sizes())
      sums_.add_(batch);
  }

  std::vector<torch::Tensor> state() override {
    if (!sums_.defined()) return {};
    return {sums_, non_finite_};
  }

  std::map<std::string, double> compute() const override {
    if (!sums_.defined()) return {};
    torch::Tensor n = sums_[0], sum = sums_[1], squares = sums_[2], residual = sums_[3];
    torch::Tensor total = squares - sum.square() / n;
    // A constant target: 1 for a perfect fit, else 0 (sklearn's convention).
    torch::Tensor r2 = torch::where(total > 0, 1 - residual / total.clamp_min(1e-300),
                                    torch::where(residual == 0, torch::ones_like(total), torch::zeros_like(total)));
    const double non_finite = non_finite_[0].item<double>();
    if (non_finite > 0) return {{"r2", std::numeric_limits<double>::quiet_NaN()}, {"non_finite_outputs", non_finite}};
    return {{"r2", r2.mean().item<double>()}};
  }

 private:
  torch::Tensor sums_;        // [4, columns]
  torch::Tensor non_finite_;  // [1]: rows whose predictions hold a NaN or an infinity
};

}  // namespace forge
