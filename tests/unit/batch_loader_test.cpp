#include "train/batch_loader.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace forge {
namespace {

// Sample i: a noisy vector of length 1 + i % 3 (so batches need padding) and label i % 2; a
// sample listed in `bad` throws.
class NoisySource : public Source {
 public:
  explicit NoisySource(int64_t size, std::set<int64_t> bad = {}) : size_(size), bad_(std::move(bad)) {}
  int64_t size() const override { return size_; }
  Example get(int64_t index, SampleContext& context) const override {
    ++gets;
    if (bad_.count(index)) throw std::runtime_error("cannot read it");
    torch::Tensor x = torch::full({1 + index % 3}, double(index)) + torch::rand({1 + index % 3}, context.generator());
    return {x, torch::tensor(index % 2, torch::kInt64)};
  }
  Batch collate(std::vector<Example>& examples) const override {
    if (pad) pad_field(examples, "inputs", 0, "length");
    return stack_examples(examples);
  }
  std::string describe(int64_t index) const override { return "row " + std::to_string(index); }

  bool pad = true;
  mutable std::atomic<int64_t> gets{0};

 private:
  int64_t size_;
  std::set<int64_t> bad_;
};

std::vector<torch::Tensor> batches_of(int64_t samples, int64_t batch) {
  std::vector<torch::Tensor> plan;
  torch::Tensor order = torch::randperm(samples, torch::kInt64);
  for (int64_t start = 0; start < samples; start += batch)
    plan.push_back(order.slice(0, start, std::min(samples, start + batch)));
  return plan;
}

std::vector<Batch> load_all(const Source& source, const std::vector<torch::Tensor>& plan, int64_t workers,
                            int64_t prefetch = 2) {
  BatchLoader loader(source, "train", 1, plan, {workers, prefetch, false, 7, false});
  std::vector<Batch> out;
  while (!loader.done()) out.push_back(loader.next().batch);
  return out;
}

TEST(BatchLoader, AnyNumberOfWorkersGivesTheSameBatchesInPlanOrder) {
  NoisySource source(100);
  const auto plan = batches_of(100, 8);
  const auto alone = load_all(source, plan, 0);
  ASSERT_EQ(alone.size(), 13u);
  for (int64_t workers : {1, 3, 8}) {
    const auto loaded = load_all(source, plan, workers, 1);
    ASSERT_EQ(loaded.size(), alone.size());
    for (size_t b = 0; b < alone.size(); ++b) {
      EXPECT_TRUE(torch::equal(loaded[b].indices, plan[b])) << "batch " << b << " with " << workers << " workers";
      EXPECT_TRUE(torch::equal(loaded[b].inputs, alone[b].inputs))
          << "batch " << b << " with " << workers << " workers";
      EXPECT_TRUE(torch::equal(loaded[b].field("length"), alone[b].field("length")));
      EXPECT_EQ(loaded[b].split, "train");
      EXPECT_EQ(loaded[b].epoch, 1);
    }
  }
}

TEST(BatchLoader, EachSampleDrawsFromItsOwnGeneratorWhateverItsBatch) {
  NoisySource source(10);
  source.pad = false;  // one sample per batch: any shape stacks
  std::vector<torch::Tensor> ones, reversed;
  for (int64_t i = 0; i < 10; ++i) ones.push_back(torch::tensor({i}, torch::kInt64));
  for (int64_t i = 9; i >= 0; --i) reversed.push_back(torch::tensor({i}, torch::kInt64));
  const auto forward = load_all(source, ones, 2), backward = load_all(source, reversed, 2);
  for (int64_t i = 0; i < 10; ++i) EXPECT_TRUE(torch::equal(forward[size_t(i)].inputs, backward[size_t(9 - i)].inputs));
  // Another epoch draws anew.
  BatchLoader next_epoch(source, "train", 2, ones, {0, 1, false, 7, false});
  EXPECT_FALSE(torch::equal(next_epoch.next().batch.inputs, forward[0].inputs));
}

TEST(BatchLoader, WorkersStayWithinTheirPrefetchWindow) {
  NoisySource source(1000);
  BatchLoader loader(source, "train", 1, batches_of(1000, 10), {2, 3, false, 7, false});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // room to run ahead, were it allowed
  EXPECT_LE(source.gets.load(), 2 * 3 * 10);
  loader.next();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_LE(source.gets.load(), (2 * 3 + 1) * 10);
}

TEST(BatchLoader, ABadSampleNamesItselfOrIsLeftOutWhenAsked) {
  NoisySource source(20, {5});
  std::vector<torch::Tensor> plan{torch::arange(0, 10, torch::kInt64), torch::arange(10, 20, torch::kInt64)};
  for (int64_t workers : {0, 2}) {
    BatchLoader loader(source, "train", 1, plan, {workers, 2, false, 7, false});
    try {
      loader.next();
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::data);
      EXPECT_EQ(std::string(e.what()),
                "train sample 5 (row 5): cannot read it (leave such samples out with --skip_bad_samples)");
    }
  }
  BatchLoader skipping(source, "train", 1, plan, {2, 2, true, 7, false});
  LoadedBatch first = skipping.next();
  EXPECT_EQ(first.batch.size(), 9);
  ASSERT_EQ(first.skipped.size(), 1u);
  EXPECT_EQ(first.skipped[0], "train sample 5 (row 5): cannot read it");
  EXPECT_EQ(skipping.next().batch.size(), 10);
}

TEST(BatchLoader, FieldsThatDoNotStackNameTheirSamples) {
  NoisySource source(6);
  source.pad = false;
  BatchLoader loader(source, "valid", 0, {torch::arange(0, 6, torch::kInt64)}, {1, 1, false, 7, false});
  try {
    loader.next();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::data);
    EXPECT_EQ(std::string(e.what()),
              "valid batch of samples 0...5 does not collate: field 'inputs' has shape [2] in sample 1 but [1] in "
              "sample 0; stacking needs equal shapes (pad it: forge::pad_field)");
  }
}

TEST(Collate, PaddingRecordsEachLength) {
  std::vector<Example> examples{{torch::tensor({1, 2, 3}), torch::tensor(0)}, {torch::tensor({4}), torch::tensor(1)}};
  pad_field(examples, "inputs", 0, "length");
  Batch batch = stack_examples(examples);
  EXPECT_TRUE(torch::equal(batch.inputs, torch::tensor({1, 2, 3, 4, 0, 0}).view({2, 3})));
  EXPECT_TRUE(torch::equal(batch.field("length"), torch::tensor({3, 1}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(batch.targets, torch::tensor({0, 1})));
  EXPECT_THROW(batch.field("tokens"), std::out_of_range);
}

// A libtorch dataset, as users of torch::data have them.
struct Squares : torch::data::datasets::Dataset<Squares> {
  torch::data::Example<> get(size_t index) override {
    return {torch::tensor({float(index)}), torch::tensor(int64_t(index * index))};
  }
  torch::optional<size_t> size() const override { return 12; }
};

TEST(TorchDatasetSource, ServesALibtorchDatasetAsInputsAndTargets) {
  TorchDatasetSource<Squares> source{Squares()};
  EXPECT_EQ(source.size(), 12);
  BatchLoader loader(source, "train", 1, {torch::tensor({3, 5}, torch::kInt64)}, {2, 1, false, 0, false});
  Batch batch = loader.next().batch;
  EXPECT_TRUE(torch::equal(batch.inputs, torch::tensor({3.0f, 5.0f}).view({2, 1})));
  EXPECT_TRUE(torch::equal(batch.targets, torch::tensor({9, 25}, torch::kInt64)));
}

TEST(SampleContext, DrawsDependOnTheSeedSplitEpochAndIndexOnly) {
  auto draw = [](const std::string& split, int64_t epoch, int64_t index, int64_t seed) {
    SampleContext context(split, epoch, index, seed);
    return std::make_tuple(context.integer(0, 1000000), context.uniform(),
                           torch::rand({3}, context.generator()).sum().item<double>());
  };
  EXPECT_EQ(draw("train", 1, 5, 0), draw("train", 1, 5, 0));
  EXPECT_NE(draw("train", 1, 5, 0), draw("train", 1, 6, 0));
  EXPECT_NE(draw("train", 1, 5, 0), draw("train", 2, 5, 0));
  EXPECT_NE(draw("train", 1, 5, 0), draw("train", 1, 5, 1));
  EXPECT_NE(draw("train", 1, 5, 0), draw("valid", 1, 5, 0));
  SampleContext context("train", 1, 0, 0);
  for (int i = 0; i < 1000; ++i) {
    const int64_t value = context.integer(-2, 2);
    ASSERT_TRUE(value >= -2 && value <= 2);
    const double u = context.uniform();
    ASSERT_TRUE(u >= 0 && u < 1);
  }
}

}  // namespace
}  // namespace forge
