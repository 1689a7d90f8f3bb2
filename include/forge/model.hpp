// What a model plugin returns: a torch module, how it maps inputs to outputs, and how a batch
// becomes a loss and metrics. The default step follows the data map's `task` value:
// classification (cross-entropy; accuracy, and top-5 accuracy beyond 5 classes) or regression
// (mean squared error; mse and mae). Override `step` (and `eval_step`) for anything else;
// `configure_optimizers` for optimizers of its own (forge/optimization.hpp), `manual_step` to
// step them itself (a GAN's discriminator, then its generator).
//
// Example (a model plugin's load):
//   auto net = torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(784, 10));
//   return forge::Model::of(net);
#pragma once

#include <forge/batch.hpp>
#include <forge/callback.hpp>
#include <forge/classification_metrics.hpp>
#include <forge/collectives.hpp>
#include <forge/data.hpp>
#include <forge/optimization.hpp>
#include <forge/regression_metrics.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace forge {

// The result of one step on one batch: a scalar loss (mean over the batch) to backpropagate,
// batch-mean metrics to report, and (in evaluation) the outputs the model's whole-set metrics
// see (eval_metrics: class logits, predictions); left undefined, those metrics see nothing. A
// model with several heads gives each by name in named_outputs (forge::for_output binds a
// metric to one).
struct StepOutput {
  torch::Tensor loss;
  std::map<std::string, double> metrics;
  torch::Tensor outputs;
  NamedOutputs named_outputs;
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

  // Fresh metrics over a whole evaluated set, fed every batch's eval_step outputs and targets
  // (forge/metric.hpp). Default: ClassificationMetrics (macro F1, precision and recall, the
  // confusion matrix; AUROC for two classes) or RegressionMetrics (R²), by task.
  virtual std::vector<std::shared_ptr<Metric>> eval_metrics() {
    if (task_ == Task::regression) return {std::make_shared<RegressionMetrics>()};
    return {std::make_shared<ClassificationMetrics>()};
  }

  // The optimizers to train with; empty (the default): one from --optimizer and its flags over
  // every trainable parameter. Frozen parameters (requires_grad false) are left out of all.
  virtual std::vector<OptimizerSpec> configure_optimizers() { return {}; }

  // A model that steps its optimizers itself returns true and overrides manual_step, which
  // then replaces `step` in training: it calls control.backward(loss), control.step(name) and
  // control.zero_grad(name) (forge/optimization.hpp) and returns the loss and metrics to report.
  virtual bool manual_optimization() const { return false; }
  virtual StepOutput manual_step(const Batch& /*batch*/, StepControl& /*control*/) {
    throw std::logic_error("manual_optimization() is true but manual_step is not overridden");
  }

  // Called before every training step. Default: the module in training mode, except the
  // modules whose own parameters are all frozen (a frozen pretrained block keeps its batch
  // norm statistics). Override to keep other modules in eval mode.
  virtual void train_mode() {
    module().train();
    for (const auto& child : module().named_modules("", /*include_self=*/false)) {
      auto own = child.value()->parameters(/*recurse=*/false);
      bool frozen = !own.empty() &&
                    std::none_of(own.begin(), own.end(), [](const torch::Tensor& p) { return p.requires_grad(); });
      if (frozen) child.value()->eval();
    }
  }

  // State beyond the module's parameters and buffers that training changes (a counter, a
  // queue of samples): saved in every checkpoint under these names, given back on resume.
  virtual std::map<std::string, torch::Tensor> save_extra() { return {}; }
  virtual void load_extra(const std::map<std::string, torch::Tensor>& /*state*/) {}

  // Callbacks of the model's own (forge/callback.hpp), called at the loop's moments after
  // forge's, each with its state in every checkpoint. Called once, before training starts.
  virtual std::vector<std::shared_ptr<Callback>> callbacks() { return {}; }

  // Images to keep at each epoch's end (a GAN's samples, a reconstruction): name -> [H, W] or
  // [C, H, W] (C 1, 3 or 4) with values in [0, 1]; forge/image_grid.hpp tiles a batch into one.
  // Called without gradients, the module in eval mode, on the process that writes the run;
  // forge puts the random generators back afterwards, so drawing never changes training.
  // Written to <run>/images/<name>/epoch-NNNN.png; `forge report` shows the newest.
  virtual std::map<std::string, torch::Tensor> epoch_images() { return {}; }

  virtual MainMetric main_metric() const {
    if (main_metric_) return *main_metric_;
    return task_ == Task::regression ? MainMetric{"loss", false} : MainMetric{"accuracy", true};
  }
  void set_main_metric(std::string name, bool maximize) { main_metric_ = MainMetric{std::move(name), maximize}; }

  Task task() const { return task_; }
  void set_task(Task task) { task_ = task; }

  // What a step may exchange with the other data-parallel processes (forge/collectives.hpp);
  // alone, exchanges give back what they are given. forge sets it before training.
  Collectives& collectives() { return collectives_ ? *collectives_ : alone_; }
  void set_collectives(std::shared_ptr<Collectives> collectives) { collectives_ = std::move(collectives); }

 protected:
  // Cross-entropy over class logits; accuracy, and top5_accuracy when there are more than 5 classes.
  StepOutput classification_step(const Batch& batch) {
    return classification_output(forward(batch.inputs), batch.targets);
  }

  // The default classification step's loss and metrics, for a model whose step computes the
  // logits itself (from more fields than `inputs`).
  StepOutput classification_output(const torch::Tensor& logits, const torch::Tensor& targets) {
    // Scores per pixel or per token ([batch, classes, ...]) are a model's own to score: the
    // default's accuracy would count them as samples.
    if (logits.dim() != 2 || targets.dim() != 1 || logits.size(0) != targets.size(0))
      throw std::invalid_argument(
          "the default classification step scores outputs of shape [batch, classes] against "
          "targets [batch]; this model gives " +
          c10::str(logits.sizes()) + " for targets " + c10::str(targets.sizes()) +
          ": override Model::step (and eval_metrics) to score them");
    torch::Tensor loss = torch::nn::functional::cross_entropy(logits, targets);
    StepOutput out{loss, {{"loss", loss.item<double>()}}, logits.detach()};
    const bool top5 = logits.dim() == 2 && logits.size(1) > 5;
    double correct = 0, correct5 = 0;
    count_correct(logits.detach(), targets, correct, correct5);
    out.metrics["accuracy"] = correct / double(logits.size(0));
    if (top5) out.metrics["top5_accuracy"] = correct5 / double(logits.size(0));
    return out;
  }

  // How many rows rank their target first (ties: the first index wins, as argmax) and among
  // the first five; a NaN score ranks above every other, so a row with one is never right. On the CPU a plain loop over
  // the logits: a handful of tensor ops per step would cost more than the metric is worth.
  static void count_correct(const torch::Tensor& logits, const torch::Tensor& targets, double& top1, double& top5) {
    if (!logits.is_cpu() || logits.dim() != 2) {
      const torch::Tensor finite = torch::isfinite(logits).all(1);
      top1 = logits.argmax(1).eq(targets).logical_and(finite).sum().item<double>();
      int64_t k = std::min<int64_t>(5, logits.size(-1));
      top5 = std::get<1>(logits.topk(k, -1)).eq(targets.unsqueeze(-1)).any(-1).logical_and(finite).sum().item<double>();
      return;
    }
    torch::Tensor scores = logits.to(torch::kFloat32).contiguous();
    torch::Tensor labels = targets.to(torch::kInt64).contiguous();
    const float* row = scores.data_ptr<float>();
    const int64_t* label = labels.data_ptr<int64_t>();
    const int64_t rows = scores.size(0), classes = scores.size(1);
    top1 = top5 = 0;
    for (int64_t r = 0; r < rows; ++r, row += classes) {
      const int64_t target = label[r];
      if (target < 0 || target >= classes) continue;  // cross_entropy has refused it already
      const float score = row[target];
      if (std::isnan(score)) continue;  // a diverged model's NaN ranks nothing first
      int64_t rank = 0;
      for (int64_t c = 0; c < classes; ++c)
        rank += row[c] > score || (row[c] == score && c < target) || std::isnan(row[c]);
      top1 += rank == 0;
      top5 += rank < 5;
    }
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
    return {loss, {{"loss", mse}, {"mse", mse}, {"mae", mae}}, outputs.detach()};
  }

 private:
  std::shared_ptr<torch::nn::Module> module_;
  Forward forward_;
  Task task_ = Task::classification;
  std::optional<MainMetric> main_metric_;
  std::shared_ptr<Collectives> collectives_;
  Collectives alone_;
};

}  // namespace forge
