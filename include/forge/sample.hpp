// One sample of a source (forge/source.hpp) and what it is drawn with.
//
// An Example holds a sample's named tensor fields, unbatched: `inputs` and `targets` by default,
// any others a model reads from Batch::fields. A SampleContext says which sample of which
// split and epoch is being made, and gives it a random generator of its own, seeded from the
// run's seed, the split, the epoch and the sample's index only: a random crop then depends on
// nothing else (not on the number of loader workers, their timing, or the data-parallel
// processes), so a resumed run draws the very crops an uninterrupted one would.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace forge {

struct Example {
  std::map<std::string, torch::Tensor> fields;
  int64_t index = -1;  // the sample's index in its split: set by forge's loader, named in collate errors

  Example() = default;
  Example(torch::Tensor inputs, torch::Tensor targets)
      : fields{{"inputs", std::move(inputs)}, {"targets", std::move(targets)}} {}

  torch::Tensor& operator[](const std::string& name) { return fields[name]; }
};

class SampleContext {
 public:
  SampleContext(std::string split, int64_t epoch, int64_t index, int64_t seed)
      : split_(std::move(split)), epoch_(epoch), index_(index), seed_(seed) {}

  const std::string& split() const { return split_; }
  bool training() const { return split_ == "train"; }  // augment only then
  int64_t epoch() const { return epoch_; }             // from 1 in training; 0 in evaluation
  int64_t index() const { return index_; }             // the sample's index in its split

  // This sample's own generator, for torch ops (torch::rand(..., context.generator())) and
  // the helpers below; made on first use.
  at::Generator& generator() {
    if (!generator_) generator_ = torch::make_generator<at::CPUGeneratorImpl>(sample_seed());
    return *generator_;
  }
  // Uniform in [0, 1).
  double uniform() { return double(random64() >> 11) * 0x1.0p-53; }
  // Uniform in [low, high], both included.
  int64_t integer(int64_t low, int64_t high) { return low + int64_t(random64() % uint64_t(high - low + 1)); }
  bool chance(double probability) { return uniform() < probability; }

 private:
  uint64_t random64() { return at::check_generator<at::CPUGeneratorImpl>(generator())->random64(); }

  // splitmix64 over (seed, split, epoch, index): nearby indices get unrelated streams.
  uint64_t sample_seed() const {
    auto mix = [](uint64_t x) {
      x += 0x9e3779b97f4a7c15ull;
      x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
      x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
      return x ^ (x >> 31);
    };
    uint64_t split_hash = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : split_) split_hash = (split_hash ^ c) * 1099511628211ull;
    return mix(mix(mix(mix(uint64_t(seed_)) ^ split_hash) ^ uint64_t(epoch_)) ^ uint64_t(index_));
  }

  std::string split_;
  int64_t epoch_, index_, seed_;
  std::optional<at::Generator> generator_;
};

}  // namespace forge
