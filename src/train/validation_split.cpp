#include "train/validation_split.hpp"

#include <forge/error.hpp>

#include <cmath>

namespace forge {
namespace {

// The samples of a source at `indices`, in that order.
class SourceSubset : public Source {
 public:
  SourceSubset(std::shared_ptr<Source> source, torch::Tensor indices)
      : source_(std::move(source)), indices_(indices.contiguous()) {}
  int64_t size() const override { return indices_.numel(); }
  Example get(int64_t index, SampleContext& context) const override {
    return source_->get(indices_.data_ptr<int64_t>()[index], context);
  }
  Batch collate(std::vector<Example>& examples) const override { return source_->collate(examples); }
  std::string describe(int64_t index) const override {
    const int64_t original = indices_.data_ptr<int64_t>()[index];
    const std::string described = source_->describe(original);
    return "sample " + std::to_string(original) + " of the data plugin's train" +
           (described.empty() ? "" : ", " + described);
  }

 private:
  std::shared_ptr<Source> source_;
  torch::Tensor indices_;
};

}  // namespace

void carve_validation_split(DataMap& data, double fraction, int64_t seed) {
  Dataset& train = data.datasets.at("train");
  const int64_t rows = train.size();
  const int64_t valid_rows = std::llround(fraction * double(rows));
  if (valid_rows < 1 || valid_rows >= rows)
    throw Error(ExitCode::usage, "--valid_fraction " + std::to_string(fraction) + " of " + std::to_string(rows) +
                                     " training samples leaves train or valid empty; give a fraction in (0, 1)");
  // Its own generator, apart from the epoch orders' and the model's: the split is the same
  // for every run with this seed, whatever else the run does.
  auto generator = torch::make_generator<at::CPUGeneratorImpl>(uint64_t(seed) ^ 0x5eed5911177ull);
  torch::Tensor shuffled = torch::randperm(rows, generator, torch::kInt64);
  torch::Tensor valid_index = std::get<0>(shuffled.slice(0, 0, valid_rows).sort());
  torch::Tensor train_index = std::get<0>(shuffled.slice(0, valid_rows).sort());
  if (train.stream)
    throw Error(ExitCode::usage, "--valid_fraction cannot carve a stream, which is read front to back; let the " +
                                     std::string("data plugin give a 'valid' split"));
  // A plan knows the split's samples by index (their lengths, their classes): carving renumbers them.
  if (train.planner)
    throw Error(ExitCode::usage, "--valid_fraction cannot carve a split whose batches the data plugin plans (its " +
                                     std::string("planner knows the samples by index); let the data plugin give a ") +
                                     "'valid' split");
  if (train.source) {
    data.datasets["valid"] = Dataset::of(std::make_shared<SourceSubset>(train.source, valid_index));
    train = Dataset::of(std::make_shared<SourceSubset>(train.source, train_index));
    return;
  }
  data.datasets["valid"] = {train.inputs.index_select(0, valid_index), train.targets.index_select(0, valid_index)};
  train = {train.inputs.index_select(0, train_index), train.targets.index_select(0, train_index)};
}

}  // namespace forge
