#include "train/validation_split.hpp"

#include <forge/error.hpp>

#include <cmath>

namespace forge {

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
  data.datasets["valid"] = {train.inputs.index_select(0, valid_index), train.targets.index_select(0, valid_index)};
  train = {train.inputs.index_select(0, train_index), train.targets.index_select(0, train_index)};
}

}  // namespace forge
