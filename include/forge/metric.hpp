// Metrics over a whole evaluated set, where a mean of per-batch numbers will not do (F1, AUROC,
// R², a confusion matrix): as torchmetrics' Metric, each batch adds to a state, and the result
// is computed from the state once the set is done. The state is a few tensors of counts and sums,
// so that the states of data-parallel ranks, each evaluating its shard, add up to the whole set's.
// Model::eval_metrics says which a model reports; forge/classification_metrics.hpp and
// forge/regression_metrics.hpp are the built-in ones.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace forge {

// A small labelled table a metric keeps (a confusion matrix): written as CSV into the run folder
// at each evaluation, tables/<split>/<name>-step-NNNNNNNN.csv.
struct Table {
  std::string corner;  // the header's first cell, saying what rows and columns are
  std::vector<std::string> rows, columns;
  torch::Tensor values;  // [rows, columns]
};

class Metric {
 public:
  virtual ~Metric() = default;

  // Adds one batch: the model's outputs (StepOutput::outputs of eval_step) and its targets.
  virtual void update(const torch::Tensor& outputs, const torch::Tensor& targets) = 0;

  // The state: float64 CPU tensors that add up over batches and over ranks (forge sums them
  // in place across data-parallel ranks). Empty until the first update.
  virtual std::vector<torch::Tensor> state() = 0;

  // The results from the state, by name (reported beside the per-batch means). Empty when no
  // batch was added.
  virtual std::map<std::string, double> compute() const = 0;

  virtual std::map<std::string, Table> tables() const { return {}; }
};

}  // namespace forge
