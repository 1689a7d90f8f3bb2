// forge/collate.hpp's default collate: stacking, and the batch memory it hands out again.
#include <forge/collate.hpp>

#include <gtest/gtest.h>

namespace forge {
namespace {

// Examples whose `inputs` stack to a batch of 4 MiB (worth keeping) filled with `value`.
std::vector<Example> examples(float value) {
  std::vector<Example> out;
  for (int i = 0; i < 4; ++i) out.emplace_back(torch::full({256, 1024}, value), torch::tensor(int64_t(i)));
  return out;
}

TEST(Collate, ABatchLetGoOfLendsItsMemoryToTheNext) {
  const void* first_memory = nullptr;
  {
    Batch first = stack_examples(examples(1));
    first_memory = first.inputs.data_ptr();
  }
  Batch second = stack_examples(examples(2));
  EXPECT_EQ(second.inputs.data_ptr(), first_memory);
  EXPECT_TRUE(torch::equal(second.inputs, torch::full({4, 256, 1024}, 2.0f)));
}

TEST(Collate, ABatchStillHeldOrViewedKeepsItsMemory) {
  Batch held = stack_examples(examples(1));
  torch::Tensor view;
  {
    Batch viewed = stack_examples(examples(2));
    view = viewed.inputs.select(0, 3);  // the batch is gone; a view of it is not
  }
  Batch third = stack_examples(examples(3));
  EXPECT_NE(third.inputs.data_ptr(), held.inputs.data_ptr());
  EXPECT_NE(third.inputs.data_ptr(), view.data_ptr());
  EXPECT_TRUE(torch::equal(held.inputs, torch::full({4, 256, 1024}, 1.0f)));
  EXPECT_TRUE(torch::equal(view, torch::full({256, 1024}, 2.0f)));
}

// What a holder does to its batch (requires_grad, a resize) stays with it.
TEST(Collate, WhatAHolderDoesToItsBatchDoesNotReachTheNext) {
  {
    Batch first = stack_examples(examples(1));
    first.inputs.requires_grad_(true);
  }
  {
    Batch second = stack_examples(examples(2));
    EXPECT_FALSE(second.inputs.requires_grad());
    second.inputs.resize_({2});
  }
  Batch third = stack_examples(examples(3));
  EXPECT_EQ(third.inputs.sizes(), (std::vector<int64_t>{4, 256, 1024}));
  EXPECT_TRUE(torch::equal(third.inputs, torch::full({4, 256, 1024}, 3.0f)));
}

TEST(Collate, ExamplesThatNeedGradientsStackWithTheirGraph) {
  std::vector<Example> parts = examples(1);
  for (auto& example : parts) example["inputs"].requires_grad_(true);
  Batch batch = stack_examples(parts);
  ASSERT_TRUE(batch.inputs.requires_grad());
  batch.inputs.sum().backward();
  EXPECT_TRUE(torch::equal(parts[0]["inputs"].grad(), torch::ones({256, 1024})));
}

}  // namespace
}  // namespace forge
