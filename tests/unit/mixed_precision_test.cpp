#include "train/mixed_precision.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {

TEST(MixedPrecision, Fp16NeedsAGpuAndOtherNamesAreRefused) {
  EXPECT_EQ(parse_precision("bf16", torch::kCPU), Precision::bf16);
  EXPECT_EQ(parse_precision("fp32", torch::kCPU), Precision::fp32);
  EXPECT_EQ(parse_precision("fp16", torch::Device("cuda:0")), Precision::fp16);
  EXPECT_THROW(parse_precision("fp16", torch::kCPU), Error);
  EXPECT_THROW(parse_precision("half", torch::kCPU), Error);
}

TEST(MixedPrecision, AutocastComputesInBf16OnlyInsideTheScope) {
  torch::Tensor a = torch::randn({4, 4}), b = torch::randn({4, 4});
  {
    AutocastScope scope(Precision::bf16, torch::kCPU);
    EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kBFloat16);
  }
  EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kFloat32);
  AutocastScope none(Precision::fp32, torch::kCPU);
  EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kFloat32);
}

TEST(MixedPrecision, TheLossScaleUnscalesSkipsOverflowsAndGrows) {
  torch::Tensor p = torch::zeros({2}, torch::requires_grad());
  p.mutable_grad() = torch::tensor({8.0f, 16.0f});
  LossScale scale{8.0, 0, 0};
  EXPECT_TRUE(unscale_gradients({p}, scale));
  EXPECT_TRUE(p.grad().equal(torch::tensor({1.0f, 2.0f})));
  p.mutable_grad() = torch::tensor({INFINITY, 1.0f});
  EXPECT_FALSE(unscale_gradients({p}, scale));
  update_loss_scale(scale, false);
  EXPECT_EQ(scale.scale, 4.0);
  EXPECT_EQ(scale.skipped, 1);
  for (int i = 0; i < 1999; ++i) update_loss_scale(scale, true);
  EXPECT_EQ(scale.scale, 4.0);
  update_loss_scale(scale, true);
  EXPECT_EQ(scale.scale, 8.0);
  EXPECT_EQ(scale.good_steps, 0);
}

}  // namespace forge
