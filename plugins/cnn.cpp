// Model plugin: a small convolutional network (two conv + batch-norm + pooling blocks, then a
// dropout-regularised classifier) for 1-channel images whose sides are multiples of 4.
#include <forge/model.hpp>

namespace {

std::vector<forge::FlagSpec> flags() {
  return {
      forge::integer_flag("channels", 32, "channels of the first convolution (the second has twice as many)"),
      forge::real_flag("dropout", "0.25", "dropout probability before each linear layer"),
  };
}

void add_conv_block(torch::nn::Sequential& net, int64_t in, int64_t out) {
  net->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1).bias(false)));
  net->push_back(torch::nn::BatchNorm2d(out));
  net->push_back(torch::nn::ReLU());
  net->push_back(torch::nn::MaxPool2d(2));
}

std::shared_ptr<forge::Model> load(const forge::Flags& flags, const forge::DataMap& data) {
  auto shape = data.value<std::vector<int64_t>>("input_shape");
  if (shape.size() != 3 || shape[1] % 4 != 0 || shape[2] % 4 != 0)
    throw std::invalid_argument("cnn needs images of shape [channels, height, width] with sides divisible by 4");
  int64_t c = flags.integer("channels");
  double p = flags.real("dropout");
  if (c < 1) throw std::invalid_argument("--channels must be at least 1");
  torch::nn::Sequential net;
  add_conv_block(net, shape[0], c);
  add_conv_block(net, c, 2 * c);
  net->push_back(torch::nn::Flatten());
  net->push_back(torch::nn::Dropout(p));
  net->push_back(torch::nn::Linear(2 * c * (shape[1] / 4) * (shape[2] / 4), 128));
  net->push_back(torch::nn::ReLU());
  net->push_back(torch::nn::Dropout(p));
  net->push_back(torch::nn::Linear(128, data.output_size()));
  return forge::Model::of(net);
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
