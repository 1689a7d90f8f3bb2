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

// A batch of `count` examples whose inputs (256 x 1024 floats each) were made in example_memory,
// example i filled with value + i.
std::vector<Example> made_in_place(int count, float value) {
  std::vector<Example> out;
  for (int i = 0; i < count; ++i) {
    torch::Tensor inputs = example_memory({256, 1024}, torch::kFloat32);
    inputs.fill_(value + float(i));
    out.emplace_back(inputs, torch::tensor(int64_t(i)));
  }
  return out;
}

TEST(Collate, ExamplesMadeInExampleMemoryAreTheBatchWithoutACopy) {
  stack_examples(made_in_place(4, 0));  // the thread learns the batch size
  std::vector<Example> made = made_in_place(4, 10);
  const void* first_example = made[0]["inputs"].data_ptr();
  Batch batch = stack_examples(made);
  EXPECT_EQ(batch.inputs.data_ptr(), first_example);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(torch::equal(batch.inputs[i], torch::full({256, 1024}, 10.0f + float(i))));
  made.clear();
  // Held, it keeps its memory: the next batch's examples go elsewhere.
  Batch next = stack_examples(made_in_place(4, 20));
  EXPECT_NE(next.inputs.data_ptr(), batch.inputs.data_ptr());
  EXPECT_TRUE(torch::equal(batch.inputs[3], torch::full({256, 1024}, 13.0f)));
  EXPECT_TRUE(torch::equal(next.inputs[0], torch::full({256, 1024}, 20.0f)));
}

// A thread that trains and evaluates (--workers 0) stacks batches of two sizes: each block is laid
// out at the size of the batch stacked last, not at the largest (an evaluation's, say).
TEST(Collate, TheBlockIsTheSizeOfTheBatchStackedLast) {
  stack_examples(made_in_place(8, 0));
  stack_examples(made_in_place(2, 0));  // laid out for 8, 2 stacked
  std::vector<Example> made = made_in_place(2, 5);
  Batch batch = stack_examples(made);
  EXPECT_EQ(batch.inputs.data_ptr(), made[0]["inputs"].data_ptr());
  EXPECT_EQ(batch.inputs.storage().nbytes(), 2 * 256 * 1024 * sizeof(float));
}

TEST(Collate, ExamplesOutOfTheirSlotsAreCopied) {
  stack_examples(made_in_place(4, 0));
  std::vector<Example> made = made_in_place(4, 10);
  std::swap(made[1], made[2]);  // out of order (as a collate of one's own might leave them)
  Batch swapped = stack_examples(made);
  EXPECT_NE(swapped.inputs.data_ptr(), made[0]["inputs"].data_ptr());
  EXPECT_TRUE(torch::equal(swapped.inputs[1], torch::full({256, 1024}, 12.0f)));

  made = made_in_place(4, 10);
  made.erase(made.begin() + 1);  // a skipped sample
  Batch skipped = stack_examples(made);
  EXPECT_NE(skipped.inputs.data_ptr(), made[0]["inputs"].data_ptr());
  EXPECT_TRUE(torch::equal(skipped.inputs[1], torch::full({256, 1024}, 12.0f)));
}

// Rows of one tensor side by side (a source serving its dataset tensor in order) are copied: the
// batch must not alias the dataset, which a model writing into its batch would change.
TEST(Collate, RowsOfASourcesOwnTensorAreCopiedNotAliased) {
  stack_examples(made_in_place(4, 0));
  const torch::Tensor dataset = torch::zeros({4, 256, 1024});
  std::vector<Example> rows;
  for (int i = 0; i < 4; ++i) rows.emplace_back(dataset[i], torch::tensor(int64_t(i)));
  Batch batch = stack_examples(rows);
  batch.inputs.fill_(5);
  EXPECT_EQ(dataset.sum().item<float>(), 0.0f);
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
