// A model plugin whose whole-set metric keeps every score (forge/metric.hpp): the exact average
// precision of class 1, from the scores of every evaluated sample concatenated over
// data-parallel ranks — two processes must report the number one process does.
#include <forge/model.hpp>

#include <algorithm>
#include <numeric>

namespace {

class ExactAveragePrecision : public forge::Metric {
 public:
  void update(const forge::NamedOutputs& outputs, const forge::Batch& batch) override {
    const torch::Tensor scores = torch::softmax(outputs.at("outputs").to(torch::kFloat64), 1).select(1, 1);
    scores_ = torch::cat({scores_, scores.cpu()});
    labels_ = torch::cat({labels_, batch.targets.cpu().eq(1).to(torch::kFloat64)});
  }

  std::vector<torch::Tensor> state() override { return {}; }  // nothing to sum: it all concatenates

  void concatenate_ranks(const std::function<torch::Tensor(const torch::Tensor&)>& concatenated) override {
    scores_ = concatenated(scores_);
    labels_ = concatenated(labels_);
  }

  // Precision at each positive, in order of score (ties by position), averaged over positives.
  std::map<std::string, double> compute() const override {
    const int64_t n = scores_.size(0);
    if (n == 0) return {};
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    const double* score = scores_.data_ptr<double>();
    const double* label = labels_.data_ptr<double>();
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return score[a] > score[b]; });
    double hits = 0, sum = 0;
    for (size_t k = 0; k < order.size(); ++k)
      if (label[order[k]] > 0) sum += ++hits / double(k + 1);
    return {{"average_precision", hits > 0 ? sum / hits : 0.0}, {"scored", double(n)}};
  }

 private:
  torch::Tensor scores_ = torch::empty({0}, torch::kFloat64), labels_ = torch::empty({0}, torch::kFloat64);
};

class RankedModel : public forge::Model {
 public:
  using forge::Model::Model;
  std::vector<std::shared_ptr<forge::Metric>> eval_metrics() override {
    return {std::make_shared<ExactAveragePrecision>()};
  }
};

std::vector<forge::FlagSpec> flags() { return {}; }

std::shared_ptr<forge::Model> load(const forge::Flags&, const forge::DataMap& data) {
  auto shape = data.value<std::vector<int64_t>>("input_shape");
  int64_t inputs = 1;
  for (int64_t d : shape) inputs *= d;
  torch::nn::Sequential net(torch::nn::Flatten(), torch::nn::Linear(inputs, data.value<int64_t>("num_classes")));
  return std::make_shared<RankedModel>(net.ptr(), [net](const torch::Tensor& x) mutable { return net->forward(x); });
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
