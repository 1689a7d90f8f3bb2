// What a model plugin returns: a torch module, how it maps inputs to outputs, and how a batch
// becomes a loss and metrics. The default step follows the data map's `task` value:
// classification (cross-entropy; accuracy, and top-5 accuracy beyond 5 classes) or regression
// (mean squared error; mse and mae). Override `step` (and `eval_step`) for anything else.
//
// Example (a model plugin's load):
//   auto net = torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(784, 10));
//   return forge::Model::of(net);
#pragma once

#include <forge/data.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace forge {

struct Batch {
  torch::Tensor inputs;
  torch::Tensor targets;
};

// The result of one step on one batch: a scalar loss (mean over the batch) to backpropagate,
// and batch-mean metrics to report.
struct StepOutput {
  torch::Tensor loss;
  std::map<std::string, double> metrics;
};

// What the default step computes: set by forge from the data map's `task` value.
enum class Task { classification, regression };

// "The" metric of a model: what --keep_best and --early_stopping watch when they name only a
// split (`--keep_best valid`).
struct MainMetric {
  std::string name;
  bool maximize;
};

class BOOST_SYMBOL_VISIBLE Model {
 public:
  using Forward = std::function<torch::Tensor(const torch::Tensor&)>;

  Model(std::shared_ptr<torch::nn::Module> module, Forward forward)
      : module_(std::move(module)), forward_(std::move(forward)) {}
  virtual ~Model() = default;

  // Wraps any module holder that has `forward(Tensor)`, e.g. torch::nn::Sequential.
  template <class Holder>
  static std::shared_ptr<Model> of(Holder holder) {
    auto forward = [holder](const torch::Tensor& x) mutable { return holder->forward(x); };
    return std::make_shared<Model>(holder.ptr(), std::move(forward));
  }

  torch::nn::Module& module() { return *module_; }
  torch::Tensor forward(const torch::Tensor& inputs) { return forward_(inputs); }

  // A training step: `loss` is backpropagated; every metric is averaged over the epoch.
  virtual StepOutput step(const Batch& batch) {
    return task_ == Task::regression ? regression_step(batch) : classification_step(batch);
  }

  // An evaluation step, called under torch::InferenceMode with the module in eval mode; metrics
  // are averaged over the evaluated set, weighted by batch size. Default: `step`.
  virtual StepOutput eval_step(const Batch& batch) { return step(batch); }

  virtual MainMetric main_metric() const {
    if (main_metric_) return *main_metric_;
    return task_ == Task::regression ? MainMetric{"loss", false} : MainMetric{"accuracy", true};
  }
  void set_main_metric(std::string name, bool maximize) { main_metric_ = MainMetric{std::move(name), maximize}; }

  Task task() const { return task_; }
  void set_task(Task task) { task_ = task; }

 protected:
  // Cross-entropy over class logits; accuracy, and top5_accuracy when there are more than 5 classes.
  StepOutput classification_step(const Batch& batch) {
    torch::Tensor logits = forward(batch.inputs);
    torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.targets);
    StepOutput out{loss, {{"loss", loss.item<double>()}}};
    torch::Tensor predicted = logits.argmax(1);
    out.metrics["accuracy"] = predicted.eq(batch.targets).to(torch::kFloat64).mean().item<double>();
    if (logits.dim() == 2 && logits.size(1) > 5) {
      torch::Tensor top5 = std::get<1>(logits.topk(5, 1));
      out.metrics["top5_accuracy"] = top5.eq(batch.targets.unsqueeze(1)).any(1).to(torch::kFloat64).mean().item<double>();
    }
    return out;
  }

  // Mean squared error (the loss, also reported as mse) and mean absolute error. An output of
  // shape [N, 1] is compared with targets of shape [N].
  StepOutput regression_step(const Batch& batch) {
    torch::Tensor outputs = forward(batch.inputs);
    if (outputs.dim() == batch.targets.dim() + 1 && outputs.size(-1) == 1) outputs = outputs.squeeze(-1);
    torch::Tensor targets = batch.targets.to(outputs.dtype());
    torch::Tensor loss = torch::nn::functional::mse_loss(outputs, targets);
    double mse = loss.item<double>();
    double mae = (outputs - targets).abs().mean().item<double>();
    return {loss, {{"loss", mse}, {"mse", mse}, {"mae", mae}}};
  }

 private:
  std::shared_ptr<torch::nn::Module> module_;
  Forward forward_;
  Task task_ = Task::classification;
  std::optional<MainMetric> main_metric_;
};

}  // namespace forge
