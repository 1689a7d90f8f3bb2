#include "train/evaluate.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

namespace forge {

TEST(Evaluate, WeightsBatchMeansBySize) {
  // A "model" that predicts class 0 always: accuracy is the share of label 0, whatever the batching.
  torch::nn::Linear net(1, 2);
  torch::NoGradGuard guard;
  net->weight.zero_();
  net->bias.copy_(torch::tensor({1.0, 0.0}));
  auto model = Model::of(net);
  Dataset data{torch::zeros({5, 1}), torch::tensor({0, 0, 0, 1, 1}, torch::kInt64)};
  for (int64_t batch : {1, 2, 3, 5}) EXPECT_NEAR(evaluate(*model, data, batch)["accuracy"], 0.6, 1e-12) << batch;
  EXPECT_THROW(evaluate(*model, Dataset{}, 4), Error);
}

}  // namespace forge
