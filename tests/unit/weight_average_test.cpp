#include "train/weight_average.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {

TEST(WeightAverage, FollowsTheParametersAtItsDecayAndSwapsInOnlyWhileAsked) {
  torch::nn::Linear net(2, 1);
  torch::NoGradGuard no_grad;
  net->weight.fill_(1);
  net->bias.fill_(0);
  WeightAverage average(*net, 0.75);
  net->weight.fill_(3);
  average.update();  // 0.75 * 1 + 0.25 * 3
  EXPECT_TRUE(average.averages().at("weight").allclose(torch::full({1, 2}, 1.5)));
  net->bias.set_requires_grad(false);
  net->bias.fill_(8);
  average.update();  // a frozen parameter's average stays as it started
  EXPECT_EQ(average.averages().at("bias").item<float>(), 0.0f);
  {
    WeightAverage::Swap swap(average);
    EXPECT_TRUE(net->weight.allclose(torch::full({1, 2}, 1.875)));  // 0.75 * 1.5 + 0.25 * 3
  }
  EXPECT_TRUE(net->weight.equal(torch::full({1, 2}, 3.0)));
  // A checkpoint's averages come back; one it lacks starts from the parameter.
  average.restore({{"weight", torch::full({1, 2}, 7.0)}});
  EXPECT_TRUE(average.averages().at("weight").equal(torch::full({1, 2}, 7.0)));
  EXPECT_EQ(average.averages().at("bias").item<float>(), 8.0f);
}

TEST(WeightAverage, ADecayOutsideZeroToOneIsAUsageError) {
  torch::nn::Linear net(2, 1);
  for (double decay : {0.0, 1.0, 1.5, -0.1}) {
    try {
      WeightAverage average(*net, decay);
      FAIL() << decay;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
    }
  }
}

TEST(WeightAverage, LoadingAveragesNamesWhatIsMissing) {
  torch::nn::Linear net(2, 1);
  EXPECT_THROW(load_averages_into(*net, {{"weight", torch::zeros({1, 2})}}, "step-1.ckpt"), Error);
  load_averages_into(*net, {{"weight", torch::zeros({1, 2})}, {"bias", torch::ones({1})}}, "step-1.ckpt");
  EXPECT_EQ(net->bias.item<float>(), 1.0f);
}

}  // namespace forge
