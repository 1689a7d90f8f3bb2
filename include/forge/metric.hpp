// Metrics over a whole evaluated set, where a mean of per-batch numbers will not do (F1, AUROC,
// R², average precision, a confusion matrix): as torchmetrics' Metric, each batch adds to a
// state, and the result is computed from the state once the set is done. Data-parallel, each
// rank evaluates its shard; the state's counts and sums are added up over the ranks, and parts
// that must be concatenated instead (lists of scores, for an exact average precision) are, so
// every rank computes the whole set's result. Model::eval_metrics says which a model reports;
// forge/classification_metrics.hpp and forge/regression_metrics.hpp are the built-in ones.
#pragma once

#include <forge/batch.hpp>

#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace forge {

// A small labelled table a metric keeps (a confusion matrix): written as CSV into the run folder
// at each evaluation, tables/<split>/<name>-step-NNNNNNNN.csv.
struct Table {
  std::string corner;  // the header's first cell, saying what rows and columns are
  std::vector<std::string> rows, columns;
  torch::Tensor values;  // [rows, columns]
};

// What a metric is fed of an evaluation step: its outputs by name. "outputs" is
// StepOutput::outputs; a model with several heads adds the others in StepOutput::named_outputs.
using NamedOutputs = std::map<std::string, torch::Tensor>;

class Metric {
 public:
  virtual ~Metric() = default;

  // Adds one batch: eval_step's outputs by name, and the whole batch (its targets, and any
  // other fields: lengths, masks, boxes). Override this, or the short form below, which it
  // calls by default with the "outputs" output (when there is one) and the batch's targets.
  virtual void update(const NamedOutputs& outputs, const Batch& batch) {
    auto main = outputs.find("outputs");
    if (main != outputs.end() && main->second.defined()) update(main->second, batch.targets);
  }
  virtual void update(const torch::Tensor& /*outputs*/, const torch::Tensor& /*targets*/) {
    throw std::logic_error("a forge::Metric must override update(outputs, batch) or update(outputs, targets)");
  }

  // The state: float64 CPU tensors that add up over batches and over ranks (forge sums them
  // in place across data-parallel ranks). Empty until the first update.
  virtual std::vector<torch::Tensor> state() = 0;

  // A metric that keeps parts to concatenate over ranks instead (every score with its label,
  // for an exact AUROC or average precision) overrides this. Data-parallel, forge calls it once
  // after the sums; it replaces each such part with `concatenated(part)`: every rank's part, in
  // rank order, joined along the first dimension (float64 or int64 CPU tensors of the same shape
  // beyond it). Every rank must call `concatenated` as many times, in the same order. Alone it is
  // not called: the parts are the whole set's already.
  virtual void concatenate_ranks(const std::function<torch::Tensor(const torch::Tensor&)>& /*concatenated*/) {}

  // The results from the state, by name (reported beside the per-batch means). Empty when no
  // batch was added.
  virtual std::map<std::string, double> compute() const = 0;

  virtual std::map<std::string, Table> tables() const { return {}; }
};

// `metric` fed the step's output `output` and the batch's field `targets` in place of "outputs"
// and "targets", its results and tables named `<output>_<name>`: whole-set metrics for each head
// of a multi-task model, e.g. in eval_metrics():
//   return {forge::for_output("species", std::make_shared<forge::ClassificationMetrics>(), "species"),
//           forge::for_output("age", std::make_shared<forge::RegressionMetrics>(), "age")};
class OutputMetric : public Metric {
 public:
  OutputMetric(std::string output, std::shared_ptr<Metric> metric, std::string targets)
      : output_(std::move(output)), targets_(std::move(targets)), metric_(std::move(metric)) {}

  void update(const NamedOutputs& outputs, const Batch& batch) override {
    auto found = outputs.find(output_);
    if (found == outputs.end() || !found->second.defined())
      throw std::out_of_range("a metric is bound to the output '" + output_ + "', which eval_step did not give " +
                              "(StepOutput::named_outputs)");
    Batch view = batch;
    view.targets = batch.field(targets_);
    metric_->update(NamedOutputs{{"outputs", found->second}}, view);
  }
  std::vector<torch::Tensor> state() override { return metric_->state(); }
  void concatenate_ranks(const std::function<torch::Tensor(const torch::Tensor&)>& concatenated) override {
    metric_->concatenate_ranks(concatenated);
  }
  std::map<std::string, double> compute() const override {
    std::map<std::string, double> out;
    for (const auto& [name, value] : metric_->compute()) out[output_ + "_" + name] = value;
    return out;
  }
  std::map<std::string, Table> tables() const override {
    std::map<std::string, Table> out;
    for (const auto& [name, table] : metric_->tables()) out[output_ + "_" + name] = table;
    return out;
  }

 private:
  std::string output_, targets_;
  std::shared_ptr<Metric> metric_;
};

inline std::shared_ptr<Metric> for_output(std::string output, std::shared_ptr<Metric> metric,
                                          std::string targets = "targets") {
  return std::make_shared<OutputMetric>(std::move(output), std::move(metric), std::move(targets));
}

}  // namespace forge
