// The photo benchmark's model (bench/photo_bench.py --part accuracy): a small ResNet-ish network
// for colour images of any size — a strided stem, three residual stages that halve the size
// and double the channels, global average pooling, a linear classifier — small enough to train
// a few epochs of photographs on a laptop's cores, deep enough that what the decoder changes in
// the pixels could show in its accuracy.
#include <forge/model.hpp>

namespace {

namespace nn = torch::nn;

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

struct StageImpl : nn::Module {
  StageImpl(int64_t in, int64_t out)
      : conv1(register_module("conv1", conv(in, out, 3, 2))),
        bn1(register_module("bn1", nn::BatchNorm2d(out))),
        conv2(register_module("conv2", conv(out, out, 3, 1))),
        bn2(register_module("bn2", nn::BatchNorm2d(out))),
        shortcut(register_module("shortcut", nn::Sequential(conv(in, out, 1, 2), nn::BatchNorm2d(out)))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = bn2(conv2(torch::relu(bn1(conv1(x)))));
    return torch::relu(y + shortcut->forward(x));
  }
  nn::Conv2d conv1, conv2;
  nn::BatchNorm2d bn1, bn2;
  nn::Sequential shortcut;
};
TORCH_MODULE(Stage);

struct PhotoNetImpl : nn::Module {
  PhotoNetImpl(int64_t in_channels, int64_t width, int64_t classes)
      : stem(register_module("stem", conv(in_channels, width, 5, 2))),
        stem_bn(register_module("stem_bn", nn::BatchNorm2d(width))),
        stage1(register_module("stage1", Stage(width, 2 * width))),
        stage2(register_module("stage2", Stage(2 * width, 4 * width))),
        stage3(register_module("stage3", Stage(4 * width, 8 * width))),
        head(register_module("head", nn::Linear(8 * width, classes))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = torch::max_pool2d(torch::relu(stem_bn(stem(x))), 2);
    y = stage3->forward(stage2->forward(stage1->forward(y)));
    return head(torch::adaptive_avg_pool2d(y, {1, 1}).flatten(1));
  }
  nn::Conv2d stem;
  nn::BatchNorm2d stem_bn;
  Stage stage1, stage2, stage3;
  nn::Linear head;
};
TORCH_MODULE(PhotoNet);

std::vector<forge::FlagSpec> flags() {
  return {forge::integer_flag("width", 16, "channels of the stem (each stage doubles them)")};
}

std::shared_ptr<forge::Model> load(const forge::Flags& flags, const forge::DataMap& data) {
  const auto shape = data.value<std::vector<int64_t>>("input_shape");
  if (shape.size() != 3) throw std::invalid_argument("photo_net needs images: input_shape [channels, height, width]");
  if (flags.integer("width") < 1) throw std::invalid_argument("--width must be at least 1");
  PhotoNet net(shape[0], flags.integer("width"), data.value<int64_t>("num_classes"));
  return std::make_shared<forge::Model>(net.ptr(), [net](const torch::Tensor& x) mutable { return net->forward(x); });
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
