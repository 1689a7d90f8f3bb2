#include "train/channels_last.hpp"

#include "test_support.hpp"
#include "train/checkpoint.hpp"
#include "train/fused_rmsprop.hpp"

#include <gtest/gtest.h>

namespace forge {
namespace {

// A small convolutional net: a 4-D weight of more than one input channel, batch-norm buffers,
// a linear head (2-D, left as it is).
struct ConvNet : torch::nn::Module {
  torch::nn::Conv2d conv{register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3).padding(1)))};
  torch::nn::BatchNorm2d norm{register_module("norm", torch::nn::BatchNorm2d(8))};
  torch::nn::Linear head{register_module("head", torch::nn::Linear(8 * 6 * 6, 4))};
  torch::Tensor forward(const torch::Tensor& x) { return head(torch::relu(norm(conv(x))).flatten(1)); }
};

// `steps` RMSprop steps (fused, with momentum) on batches drawn from a generator of `seed`.
void train(ConvNet& net, torch::optim::Optimizer& optimizer, int steps, uint64_t seed) {
  auto generator = torch::make_generator<at::CPUGeneratorImpl>(seed);
  for (int i = 0; i < steps; ++i) {
    torch::Tensor x = torch::randn({16, 3, 6, 6}, generator);
    torch::Tensor y = torch::randint(4, {16}, generator);
    optimizer.zero_grad();
    torch::nn::functional::cross_entropy(net.forward(x), y).backward();
    optimizer.step();
  }
}

std::shared_ptr<ConvNet> channels_last_net() {
  torch::manual_seed(3);
  auto net = std::make_shared<ConvNet>();
  lay_out_channels_last(*net);
  return net;
}

}  // namespace

TEST(ChannelsLast, FourDimensionalTensorsAreReorderedInPlaceWithTheirValues) {
  torch::manual_seed(3);
  ConvNet net;
  const torch::Tensor weight = net.conv->weight, before = weight.clone(), head = net.head->weight.clone();
  lay_out_channels_last(net);
  EXPECT_TRUE(net.conv->weight.is_same(weight)) << "an optimizer holding the parameter must still hold it";
  EXPECT_TRUE(weight.is_contiguous(torch::MemoryFormat::ChannelsLast));
  EXPECT_FALSE(weight.is_contiguous());
  EXPECT_TRUE(torch::equal(weight, before));
  EXPECT_TRUE(net.head->weight.is_contiguous());
  EXPECT_TRUE(torch::equal(net.head->weight, head));
}

TEST(ChannelsLast, ACopyLaidOutLikeAParameterHasItsStridesAndTheCopysValues) {
  torch::Tensor parameter = torch::randn({4, 3, 2, 2}).contiguous(torch::MemoryFormat::ChannelsLast);
  torch::Tensor saved = torch::randn({4, 3, 2, 2});
  torch::Tensor laid = laid_out_like(saved, parameter);
  EXPECT_EQ(laid.strides(), parameter.strides());
  EXPECT_TRUE(torch::equal(laid, saved));
  torch::Tensor same = torch::randn({4, 3, 2, 2}).contiguous(torch::MemoryFormat::ChannelsLast);
  EXPECT_TRUE(laid_out_like(same, parameter).is_same(same)) << "already laid out: no copy";
}

// What --channels_last asks of a checkpoint: training resumed from one goes on in the same
// layout, bit for bit, the fused optimizer's state walking the parameters' memory in step.
TEST(ChannelsLast, ACheckpointedNetResumesInItsLayoutBitForBit) {
  testing::TempDir dir;
  const auto options = torch::optim::RMSpropOptions(1e-2).momentum(0.9);
  auto net = channels_last_net();
  FusedRMSprop optimizer(net->parameters(), options);
  train(*net, optimizer, 3, 1);
  save_checkpoint(checkpoint_path(dir.path(), 3), *net, optimizer, {0, 3, 3, {}, 3});
  train(*net, optimizer, 3, 2);

  auto resumed = channels_last_net();
  FusedRMSprop resumed_optimizer(resumed->parameters(), options);
  load_checkpoint(checkpoint_path(dir.path(), 3), *resumed, &resumed_optimizer);
  EXPECT_TRUE(resumed->conv->weight.is_contiguous(torch::MemoryFormat::ChannelsLast));
  EXPECT_FALSE(resumed->conv->weight.is_contiguous());
  train(*resumed, resumed_optimizer, 3, 2);
  for (const auto& p : net->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), resumed->named_parameters()[p.key()])) << p.key();
  for (const auto& p : net->named_buffers())
    EXPECT_TRUE(torch::equal(p.value(), resumed->named_buffers()[p.key()])) << p.key();
}

// The fused kernels walk a channels-last parameter, its gradient and its state in memory order:
// the same values as on the contiguous twin, elementwise.
TEST(ChannelsLast, FusedRMSpropStepsAChannelsLastParameterAsItsContiguousTwin) {
  torch::manual_seed(4);
  torch::Tensor value = torch::randn({8, 5, 3, 3});
  torch::Tensor plain = value.clone().requires_grad_();
  torch::Tensor laid = value.contiguous(torch::MemoryFormat::ChannelsLast).requires_grad_();
  const auto options = torch::optim::RMSpropOptions(1e-2).momentum(0.9).weight_decay(1e-3);
  FusedRMSprop a({plain}, options), b({laid}, options);
  for (int step = 0; step < 4; ++step) {
    torch::Tensor gradient = torch::randn({8, 5, 3, 3});
    plain.mutable_grad() = gradient.clone();
    laid.mutable_grad() = gradient.contiguous(torch::MemoryFormat::ChannelsLast);
    a.step();
    b.step();
  }
  EXPECT_FALSE(laid.is_contiguous());
  EXPECT_TRUE(torch::equal(plain, laid));
}

}  // namespace forge
