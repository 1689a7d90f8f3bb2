// A split whose samples are made on demand — decoded from files, augmented, tokenised — rather
// than held in memory as one tensor pair: put it in the data map as
// `data.datasets["train"] = forge::Dataset::of(std::make_shared<MySource>(...))`.
//
// forge's loader calls `get` from --workers threads at once, --prefetch batches ahead, and
// hands the model the batches in order; `get` must therefore be safe to call concurrently
// (read-only state, or its own locking). Randomness must come from the SampleContext only
// (forge/sample.hpp): then the loader's threads, their timing and the data-parallel processes
// change nothing, and a resumed run is bit-identical to an uninterrupted one.
//
//   class Squares : public forge::Source {
//    public:
//     int64_t size() const override { return 1000; }
//     forge::Example get(int64_t i, forge::SampleContext& context) const override {
//       auto x = torch::tensor({float(i)});
//       if (context.training()) x += 0.01 * torch::randn({1}, context.generator());
//       return {x, x * x};
//     }
//   };
#pragma once

#include <forge/collate.hpp>
#include <forge/plugin.hpp>
#include <forge/sample.hpp>

#include <mutex>
#include <string>
#include <vector>

namespace forge {

class BOOST_SYMBOL_VISIBLE Source {
 public:
  virtual ~Source() = default;

  // Samples in the split; indices run from 0 to size() - 1.
  virtual int64_t size() const = 0;

  // Sample `index`, unbatched. Thread-safe. A bad sample (an unreadable file) throws; its
  // message, with describe(index), is the one line the run stops with (or, with
  // --skip_bad_samples, logs before leaving the sample out).
  virtual Example get(int64_t index, SampleContext& context) const = 0;

  // The batch of `examples` (in batch order). Default: every field stacked (forge/collate.hpp).
  virtual Batch collate(std::vector<Example>& examples) const { return stack_examples(examples); }

  // Names sample `index` for error messages: its file, its line. Default: nothing beyond the index.
  virtual std::string describe(int64_t /*index*/) const { return ""; }
};

// A source over a libtorch dataset (torch::data::datasets::Dataset with Example<> samples),
// for code that has one: its data and target become `inputs` and `targets`. Calls to its get
// are serialised: libtorch datasets need not be thread-safe.
template <class TorchDataset>
class TorchDatasetSource : public Source {
 public:
  explicit TorchDatasetSource(TorchDataset dataset) : dataset_(std::move(dataset)) {}

  int64_t size() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto size = dataset_.size();
    if (!size) throw std::invalid_argument("the libtorch dataset does not know its size");
    return int64_t(*size);
  }
  Example get(int64_t index, SampleContext& /*context*/) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto example = dataset_.get(size_t(index));
    return {example.data, example.target};
  }

 private:
  mutable TorchDataset dataset_;
  mutable std::mutex mutex_;
};

}  // namespace forge
