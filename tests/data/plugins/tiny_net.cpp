// A user's model plugin with a local header, compiled by forge in the end-to-end tests. It
// reports a scalar of its own from every step and evaluation: the L2 norm of its weights.
#include <forge/model.hpp>

#include "tiny_net_layers.hpp"

#include <cmath>

namespace {

class TinyModel : public forge::Model {
 public:
  using forge::Model::Model;

  forge::StepOutput step(const forge::Batch& batch) override {
    forge::StepOutput out = classification_step(batch);
    double squares = 0;
    for (const auto& p : module().parameters()) squares += p.detach().pow(2).sum().item<double>();
    out.metrics["weight_norm"] = std::sqrt(squares);
    return out;
  }
};

std::vector<forge::FlagSpec> flags() { return {forge::integer_flag("width", 8, "hidden width")}; }

std::shared_ptr<forge::Model> load(const forge::Flags& flags, const forge::DataMap& data) {
  auto shape = data.value<std::vector<int64_t>>("input_shape");
  int64_t inputs = shape[0] * shape[1] * shape[2];
  auto net = tiny_net(inputs, flags.integer("width"), data.value<int64_t>("num_classes"));
  return std::make_shared<TinyModel>(net.ptr(), [net](const torch::Tensor& x) mutable { return net->forward(x); });
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
