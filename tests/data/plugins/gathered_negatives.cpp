// A model plugin whose training step takes its negatives from every data-parallel process's
// batch (forge/collectives.hpp): each sample's embedding is scored against the embeddings of
// the whole global batch, and must pick out its own (instance discrimination, as contrastive
// learning does), beside a plain classification loss. Two processes of batch B then train as
// one process of batch 2B. It reports how many rows it compared against (`compared`).
#include <forge/model.hpp>

namespace {

struct Net : torch::nn::Module {
  Net(int64_t inputs, int64_t classes)
      : embed(register_module("embed", torch::nn::Linear(inputs, 16))),
        head(register_module("head", torch::nn::Linear(16, classes))) {}
  torch::nn::Linear embed, head;
};

class GatheredNegatives : public forge::Model {
 public:
  explicit GatheredNegatives(std::shared_ptr<Net> net)
      : forge::Model(net, [net](const torch::Tensor& x) { return net->head(torch::tanh(net->embed(x.flatten(1)))); }),
        net_(std::move(net)) {}

  forge::StepOutput step(const forge::Batch& batch) override {
    const torch::Tensor own = torch::nn::functional::normalize(
        torch::tanh(net_->embed(batch.inputs.flatten(1))), torch::nn::functional::NormalizeFuncOptions().dim(1));
    forge::Collectives& group = collectives();
    // Every process's rows, with their gradients; this process's start at `offset`.
    const torch::Tensor sizes = group.all_gather(torch::tensor({own.size(0)}));
    const int64_t offset = sizes.slice(0, 0, group.rank()).sum().item<int64_t>();
    const torch::Tensor all = group.all_gather(own);
    const torch::Tensor scores = own.matmul(all.t()) / 0.5;
    const torch::Tensor contrast =
        torch::nn::functional::cross_entropy(scores, torch::arange(offset, offset + own.size(0)));
    const torch::Tensor classify = torch::nn::functional::cross_entropy(forward(batch.inputs), batch.targets);
    const torch::Tensor loss = contrast + classify;
    return {loss, {{"loss", loss.item<double>()}, {"compared", double(all.size(0))}}, {}, {}};
  }

  forge::StepOutput eval_step(const forge::Batch& batch) override { return classification_step(batch); }

 private:
  std::shared_ptr<Net> net_;
};

std::vector<forge::FlagSpec> flags() { return {}; }

std::shared_ptr<forge::Model> load(const forge::Flags&, const forge::DataMap& data) {
  auto shape = data.value<std::vector<int64_t>>("input_shape");
  int64_t inputs = 1;
  for (int64_t d : shape) inputs *= d;
  return std::make_shared<GatheredNegatives>(std::make_shared<Net>(inputs, data.value<int64_t>("num_classes")));
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
