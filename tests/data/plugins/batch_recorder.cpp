// Test model plugin: a linear classifier that also writes, for every training sample it
// steps on, "epoch step index checksum" to batches-rank<RANK>.txt in the working folder: which
// process saw which sample at which step, and a fingerprint of the (augmented) image it got.
#include <forge/model.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

std::vector<forge::FlagSpec> flags() { return {}; }

class Recorder : public forge::Model {
 public:
  explicit Recorder(torch::nn::Sequential net) : forge::Model(net.ptr(), [net](const torch::Tensor& x) mutable {
                                                   return net->forward(x);
                                                 }) {
    const char* rank = std::getenv("RANK");
    file_ = std::fopen(("batches-rank" + std::string(rank ? rank : "0") + ".txt").c_str(), "a");
  }
  ~Recorder() override {
    if (file_) std::fclose(file_);
  }

  forge::StepOutput step(const forge::Batch& batch) override {
    if (batch.split == "train" && file_) {
      torch::Tensor flat = batch.inputs.reshape({batch.size(), -1}).to(torch::kFloat64);
      torch::Tensor weights = torch::arange(1, flat.size(1) + 1, torch::kFloat64);
      torch::Tensor checksum = (flat * weights).sum(1);
      for (int64_t i = 0; i < batch.size(); ++i)
        std::fprintf(file_, "%lld %lld %lld %.6f\n", (long long)batch.epoch, (long long)batch.step,
                     (long long)batch.indices[i].item<int64_t>(), checksum[i].item<double>());
      std::fflush(file_);
    }
    return classification_step(batch);
  }

 private:
  std::FILE* file_ = nullptr;
};

std::shared_ptr<forge::Model> load(const forge::Flags&, const forge::DataMap& data) {
  auto shape = data.value<std::vector<int64_t>>("input_shape");
  int64_t features = 1;
  for (int64_t side : shape) features *= side;
  torch::nn::Sequential net(torch::nn::Flatten(), torch::nn::Linear(features, data.output_size()));
  return std::make_shared<Recorder>(net);
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
