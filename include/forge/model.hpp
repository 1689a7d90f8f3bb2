// What a model plugin returns: a torch module, how it maps inputs to outputs, and how a batch
// becomes a loss and metrics. The default step is classification: cross-entropy loss and
// accuracy. Override `step` for anything else.
//
// Example (a model plugin's load):
//   auto net = torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(784, 10));
//   return forge::Model::of(net);
#pragma once

#include <forge/data.hpp>

#include <functional>
#include <map>
#include <memory>
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

  // Default: classification. `loss` is the mean cross-entropy, `accuracy` the batch mean.
  // Called under torch::NoGradGuard during evaluation.
  virtual StepOutput step(const Batch& batch) {
    torch::Tensor logits = forward(batch.inputs);
    torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.targets);
    double accuracy = logits.argmax(1).eq(batch.targets).to(torch::kFloat64).mean().item<double>();
    return {loss, {{"loss", loss.item<double>()}, {"accuracy", accuracy}}};
  }

 private:
  std::shared_ptr<torch::nn::Module> module_;
  Forward forward_;
};

}  // namespace forge
