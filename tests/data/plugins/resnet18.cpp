// A user's model plugin: ResNet-18 with torchvision's parameter names (conv1, bn1, layer1.0.conv1,
// layer2.0.downsample.0, ...), so that a torchvision state_dict fine-tunes it by name, and a
// classifier of the data's classes named `head` (torchvision's is `fc`, of 1000). Grey images
// are repeated to three channels, as people do to reuse ImageNet weights.
#include <forge/model.hpp>

namespace {

namespace nn = torch::nn;

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

struct BasicBlockImpl : nn::Module {
  BasicBlockImpl(int64_t in, int64_t out, int64_t stride)
      : conv1(register_module("conv1", conv(in, out, 3, stride))),
        bn1(register_module("bn1", nn::BatchNorm2d(out))),
        conv2(register_module("conv2", conv(out, out, 3, 1))),
        bn2(register_module("bn2", nn::BatchNorm2d(out))) {
    if (stride != 1 || in != out) {
      downsample = register_module("downsample", nn::Sequential(conv(in, out, 1, stride), nn::BatchNorm2d(out)));
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = torch::relu(bn1(conv1(x)));
    y = bn2(conv2(y));
    return torch::relu(y + (downsample ? downsample->forward(x) : x));
  }
  nn::Conv2d conv1, conv2;
  nn::BatchNorm2d bn1, bn2;
  nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

struct ResNet18Impl : nn::Module {
  explicit ResNet18Impl(int64_t classes)
      : conv1(register_module("conv1", conv(3, 64, 7, 2))),
        bn1(register_module("bn1", nn::BatchNorm2d(64))),
        layer1(register_module("layer1", nn::Sequential(BasicBlock(64, 64, 1), BasicBlock(64, 64, 1)))),
        layer2(register_module("layer2", nn::Sequential(BasicBlock(64, 128, 2), BasicBlock(128, 128, 1)))),
        layer3(register_module("layer3", nn::Sequential(BasicBlock(128, 256, 2), BasicBlock(256, 256, 1)))),
        layer4(register_module("layer4", nn::Sequential(BasicBlock(256, 512, 2), BasicBlock(512, 512, 1)))),
        head(register_module("head", nn::Linear(512, classes))) {}
  torch::Tensor forward(torch::Tensor x) {
    if (x.size(1) == 1) x = x.expand({-1, 3, -1, -1});
    x = torch::max_pool2d(torch::relu(bn1(conv1(x))), 3, 2, 1);
    x = layer4->forward(layer3->forward(layer2->forward(layer1->forward(x))));
    return head(torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1));
  }
  nn::Conv2d conv1;
  nn::BatchNorm2d bn1;
  nn::Sequential layer1, layer2, layer3, layer4;
  nn::Linear head;
};
TORCH_MODULE(ResNet18);

std::vector<forge::FlagSpec> flags() { return {}; }

std::shared_ptr<forge::Model> load(const forge::Flags&, const forge::DataMap& data) {
  ResNet18 net(data.value<int64_t>("num_classes"));
  return std::make_shared<forge::Model>(net.ptr(), [net](const torch::Tensor& x) mutable { return net->forward(x); });
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
