#include "train/optimizers.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {

TEST(Optimizers, BuildsEachNamedOptimizerWithItsLearningRate) {
  torch::nn::Linear net(2, 2);
  for (const auto& name : optimizer_names()) {
    auto optimizer = make_optimizer({name, 0.125, 0.9, 0.0}, net->parameters());
    EXPECT_DOUBLE_EQ(optimizer->param_groups()[0].options().get_lr(), 0.125) << name;
  }
}

TEST(Optimizers, UnknownNameSuggestsAndBadRatesAreRefused) {
  try {
    check_optimizer_settings({"adamm", 0.1, 0, 0});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("did you mean adam"), std::string::npos);
  }
  EXPECT_THROW(check_optimizer_settings({"sgd", 0.0, 0, 0}), Error);
  EXPECT_THROW(check_optimizer_settings({"sgd", 0.1, -1, 0}), Error);
}

}  // namespace forge
