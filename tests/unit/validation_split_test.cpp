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

namespace forge {
namespace {

class Numbers : public Source {
 public:
  int64_t size() const override { return 50; }
  Example get(int64_t index, SampleContext&) const override {
    return {torch::tensor({float(index)}), torch::tensor(index, torch::kInt64)};
  }
  std::string describe(int64_t index) const override { return "number " + std::to_string(index); }
};

}  // namespace

TEST(ValidationSplit, CarvesASourceAsItCarvesRowsInMemory) {
  DataMap rows = numbered(50), sourced;
  sourced.datasets["train"] = Dataset::of(std::make_shared<Numbers>());
  carve_validation_split(rows, 0.2, 3);
  carve_validation_split(sourced, 0.2, 3);
  for (const char* split : {"train", "valid"}) {
    const Dataset& set = sourced.dataset(split);
    ASSERT_EQ(set.size(), rows.dataset(split).size());
    for (int64_t i = 0; i < set.size(); ++i) {
      SampleContext context(split, 1, i, 0);
      EXPECT_EQ(set.source->get(i, context).fields.at("targets").item<int64_t>(),
                rows.dataset(split).targets[i].item<int64_t>());
    }
  }
  const int64_t first = rows.dataset("valid").targets[0].item<int64_t>();
  EXPECT_EQ(sourced.dataset("valid").source->describe(0),
            "sample " + std::to_string(first) + " of the data plugin's train, number " + std::to_string(first));
}

}  // namespace forge
