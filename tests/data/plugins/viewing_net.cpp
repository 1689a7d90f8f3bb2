// A user's model plugin whose forward view()s what its convolutions give: fine laid out
// contiguous, refused by libtorch laid out channels-last (--channels_last).
#include <forge/model.hpp>

namespace {

namespace nn = torch::nn;

struct ViewingNetImpl : nn::Module {
  nn::Conv2d first{register_module("first", nn::Conv2d(nn::Conv2dOptions(1, 4, 3).padding(1)))};
  nn::Conv2d second{register_module("second", nn::Conv2d(nn::Conv2dOptions(4, 4, 3).padding(1)))};
  nn::Linear head;
  ViewingNetImpl(int64_t pixels, int64_t classes)
      : head(register_module("head", nn::Linear(4 * pixels, classes))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = torch::relu(second(torch::relu(first(x))));
    return head(y.view({y.size(0), -1}));
  }
};
TORCH_MODULE(ViewingNet);

std::vector<forge::FlagSpec> flags() { return {}; }

std::shared_ptr<forge::Model> load(const forge::Flags&, const forge::DataMap& data) {
  const auto shape = data.value<std::vector<int64_t>>("input_shape");
  ViewingNet net(shape[1] * shape[2], data.value<int64_t>("num_classes"));
  return std::make_shared<forge::Model>(net.ptr(), [net](const torch::Tensor& x) mutable { return net->forward(x); });
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
