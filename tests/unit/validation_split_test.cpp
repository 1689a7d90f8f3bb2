#include "train/validation_split.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {
namespace {

DataMap numbered(int64_t rows) {
  DataMap data;
  data.datasets["train"] = {torch::arange(rows).unsqueeze(1).to(torch::kFloat32), torch::arange(rows)};
  return data;
}

}  // namespace

TEST(ValidationSplit, MovesASeededFractionOfTrainIntoValid) {
  DataMap data = numbered(100);
  carve_validation_split(data, 0.2, 7);
  const Dataset& train = data.dataset("train");
  const Dataset& valid = data.dataset("valid");
  EXPECT_EQ(train.size(), 80);
  EXPECT_EQ(valid.size(), 20);
  // Every row lands in exactly one set, inputs still beside their targets, in their old order.
  torch::Tensor all = std::get<0>(torch::cat({train.targets, valid.targets}).sort());
  EXPECT_TRUE(torch::equal(all, torch::arange(100)));
  EXPECT_TRUE(torch::equal(valid.inputs.squeeze(1).to(torch::kInt64), valid.targets));
  EXPECT_TRUE(torch::equal(std::get<0>(valid.targets.sort()), valid.targets));

  DataMap again = numbered(100), other = numbered(100);
  carve_validation_split(again, 0.2, 7);
  carve_validation_split(other, 0.2, 8);
  EXPECT_TRUE(torch::equal(again.dataset("valid").targets, valid.targets));
  EXPECT_FALSE(torch::equal(other.dataset("valid").targets, valid.targets));
}

TEST(ValidationSplit, RefusesFractionsThatLeaveASetEmpty) {
  DataMap data = numbered(10);
  EXPECT_THROW(carve_validation_split(data, 0.01, 0), Error);
  EXPECT_THROW(carve_validation_split(data, 0.99, 0), Error);
}

}  // namespace forge
