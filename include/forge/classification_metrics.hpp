// The whole-set metrics of a classifier (the default of a classification model's eval_metrics):
// from the confusion matrix of argmax predictions, macro-averaged F1, precision and recall (over
// the classes that occur as target or prediction, as sklearn's average="macro"), the matrix
// itself and a per-class table; for two classes also AUROC of the second class's softmax
// probability, from histograms of 4096 bins (exact up to ties within a bin). Rows of scores
// that are not finite (a diverged model's NaN) are left out of the counts and counted on their
// own: the metrics are then NaN, with `non_finite_outputs` saying how many rows were.
#pragma once

#include <forge/metric.hpp>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace forge {

class ClassificationMetrics : public Metric {
 public:
  static constexpr int64_t auroc_bins = 4096;

  void update(const torch::Tensor& logits, const torch::Tensor& targets) override {
    torch::Tensor scores = logits.detach().to(torch::kCPU, torch::kFloat32);
    torch::Tensor labels = targets.detach().to(torch::kCPU, torch::kInt64).reshape(-1);
    if (scores.dim() != 2 || scores.size(0) != labels.size(0))
      throw std::invalid_argument(
          "the whole-set classification metrics count outputs of shape [batch, classes]; "
          "this model gives " +
          c10::str(logits.sizes()) + " for " + std::to_string(labels.size(0)) +
          " targets: return metrics of its own from Model::eval_metrics");
    const int64_t classes = scores.size(1);
    if (!confusion_.defined()) {
      confusion_ = torch::zeros({classes, classes}, torch::kFloat64);
      if (classes == 2) histograms_ = torch::zeros({2, auroc_bins}, torch::kFloat64);
    }
    if (!non_finite_.defined()) non_finite_ = torch::zeros({1}, torch::kFloat64);
    torch::Tensor finite = torch::isfinite(scores).all(1);
    non_finite_.add_(finite.logical_not().sum().to(torch::kFloat64));
    torch::Tensor valid = labels.ge(0).logical_and(labels.lt(classes)).logical_and(finite);
    torch::Tensor truth = labels.masked_select(valid), predicted = scores.argmax(1).masked_select(valid);
    confusion_.view(-1).add_(torch::bincount(truth * classes + predicted, {}, classes * classes).to(torch::kFloat64));
    if (classes != 2) return;
    torch::Tensor positive = torch::softmax(scores, 1).select(1, 1).masked_select(valid);
    torch::Tensor bins = positive.mul(auroc_bins).floor().clamp(0, auroc_bins - 1).to(torch::kInt64);
    histograms_.view(-1).add_(torch::bincount(truth * auroc_bins + bins, {}, 2 * auroc_bins).to(torch::kFloat64));
  }

  std::vector<torch::Tensor> state() override {
    std::vector<torch::Tensor> out;
    if (confusion_.defined()) out.push_back(confusion_);
    if (histograms_.defined()) out.push_back(histograms_);
    if (non_finite_.defined()) out.push_back(non_finite_);
    return out;
  }

  std::map<std::string, double> compute() const override {
    if (!confusion_.defined()) return {};
    if (const double non_finite = non_finite_[0].item<double>(); non_finite > 0) {
      const double nan = std::numeric_limits<double>::quiet_NaN();
      std::map<std::string, double> out{
          {"macro_f1", nan}, {"macro_precision", nan}, {"macro_recall", nan}, {"non_finite_outputs", non_finite}};
      if (histograms_.defined()) out["auroc"] = nan;
      return out;
    }
    const int64_t classes = confusion_.size(0);
    double f1 = 0, precision = 0, recall = 0;
    int64_t present = 0;
    for (int64_t c = 0; c < classes; ++c) {
      const Counts k = counts(c);
      if (k.actual + k.predicted == 0) continue;
      ++present;
      precision += k.precision();
      recall += k.recall();
      f1 += k.f1();
    }
    if (present == 0) return {};
    std::map<std::string, double> out{
        {"macro_f1", f1 / present}, {"macro_precision", precision / present}, {"macro_recall", recall / present}};
    if (histograms_.defined()) {
      const double auroc = area_under_roc();
      if (auroc >= 0) out["auroc"] = auroc;
    }
    return out;
  }

  std::map<std::string, Table> tables() const override {
    if (!confusion_.defined()) return {};
    const int64_t classes = confusion_.size(0);
    Table confusion{"true\\predicted", {}, {}, confusion_.clone()};
    Table per_class{"class", {}, {"precision", "recall", "f1", "support"}, torch::zeros({classes, 4}, torch::kFloat64)};
    for (int64_t c = 0; c < classes; ++c) {
      confusion.rows.push_back(std::to_string(c));
      confusion.columns.push_back(std::to_string(c));
      per_class.rows.push_back(std::to_string(c));
      const Counts k = counts(c);
      per_class.values[c] = torch::tensor({k.precision(), k.recall(), k.f1(), k.actual}, torch::kFloat64);
    }
    return {{"confusion_matrix", confusion}, {"per_class", per_class}};
  }

 private:
  struct Counts {
    double hits, actual, predicted;
    // 0 where undefined, as sklearn's zero_division default reports.
    double precision() const { return predicted > 0 ? hits / predicted : 0.0; }
    double recall() const { return actual > 0 ? hits / actual : 0.0; }
    double f1() const { return actual + predicted > 0 ? 2 * hits / (actual + predicted) : 0.0; }
  };

  Counts counts(int64_t c) const {
    return {confusion_[c][c].item<double>(), confusion_[c].sum().item<double>(),
            confusion_.select(1, c).sum().item<double>()};
  }

  // The chance that a positive scores above a negative (ties, within a bin, count half); -1
  // without both.
  double area_under_roc() const {
    const auto negatives = histograms_[0].contiguous(), positives = histograms_[1].contiguous();
    const double* neg = negatives.data_ptr<double>();
    const double* pos = positives.data_ptr<double>();
    double below = 0, area = 0, total_neg = 0, total_pos = 0;
    for (int64_t b = 0; b < auroc_bins; ++b) {
      area += pos[b] * (below + 0.5 * neg[b]);
      below += neg[b];
      total_neg += neg[b];
      total_pos += pos[b];
    }
    return total_neg > 0 && total_pos > 0 ? area / (total_neg * total_pos) : -1.0;
  }

  torch::Tensor confusion_;   // [true class, predicted class]
  torch::Tensor histograms_;  // two classes: [negatives, positives] over bins of P(class 1)
  torch::Tensor non_finite_;  // [1]: rows of scores with a NaN or an infinity, left out of the rest
};

}  // namespace forge
