// Model plugin for the multi-task example (shapes.cpp): one convolutional body, two heads — the
// shape's class (cross-entropy) and its size (mean squared error) — trained on the sum of the
// two losses. Each head's output goes to its own whole-set metrics by name: `shape_macro_f1`,
// its confusion matrix and per-class table, and `size_r2`, with no packing into one tensor.
#include <forge/model.hpp>

namespace {

struct TwoHeadsNet : torch::nn::Module {
  TwoHeadsNet(int64_t channels, int64_t classes)
      : body(register_module(
            "body", torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 16, 3).padding(1)),
                                          torch::nn::ReLU(), torch::nn::MaxPool2d(2),
                                          torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 32, 3).padding(1)),
                                          torch::nn::ReLU(), torch::nn::AdaptiveMaxPool2d(4), torch::nn::Flatten()))),
        shape(register_module("shape", torch::nn::Linear(32 * 16, classes))),
        size(register_module("size", torch::nn::Linear(32 * 16, 1))) {}

  torch::nn::Sequential body;
  torch::nn::Linear shape, size;
};

class TwoHeads : public forge::Model {
 public:
  TwoHeads(std::shared_ptr<TwoHeadsNet> net, double size_weight)
      : forge::Model(net, [net](const torch::Tensor& x) { return net->shape(net->body->forward(x)); }),
        net_(std::move(net)),
        size_weight_(size_weight) {}

  forge::StepOutput step(const forge::Batch& batch) override {
    const torch::Tensor features = net_->body->forward(batch.inputs);
    const torch::Tensor logits = net_->shape(features), size = net_->size(features).squeeze(1);
    const torch::Tensor& true_size = batch.field("size");
    const torch::Tensor shape_loss = torch::nn::functional::cross_entropy(logits, batch.targets);
    const torch::Tensor size_loss = torch::nn::functional::mse_loss(size, true_size);
    forge::StepOutput out;
    out.loss = shape_loss + size_weight_ * size_loss;
    out.metrics = {{"loss", out.loss.item<double>()},
                   {"shape_loss", shape_loss.item<double>()},
                   {"size_loss", size_loss.item<double>()},
                   {"shape_accuracy", logits.argmax(1).eq(batch.targets).to(torch::kFloat64).mean().item<double>()},
                   {"size_mae", (size - true_size).abs().mean().item<double>()}};
    out.named_outputs = {{"shape", logits.detach()}, {"size", size.detach()}};
    return out;
  }

  std::vector<std::shared_ptr<forge::Metric>> eval_metrics() override {
    return {forge::for_output("shape", std::make_shared<forge::ClassificationMetrics>()),
            forge::for_output("size", std::make_shared<forge::RegressionMetrics>(), "size")};
  }

  forge::MainMetric main_metric() const override { return {"shape_accuracy", true}; }

 private:
  std::shared_ptr<TwoHeadsNet> net_;
  double size_weight_;
};

std::vector<forge::FlagSpec> flags() {
  return {forge::real_flag("size_weight", "0.1", "weight of the size loss beside the shape loss")};
}

std::shared_ptr<forge::Model> load(const forge::Flags& flags, const forge::DataMap& data) {
  const auto shape = data.value<std::vector<int64_t>>("input_shape");
  auto net = std::make_shared<TwoHeadsNet>(shape[0], data.value<int64_t>("num_classes"));
  return std::make_shared<TwoHeads>(net, flags.real("size_weight"));
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
