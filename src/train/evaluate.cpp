#include "train/evaluate.hpp"

#include "train/device.hpp"

#include <forge/error.hpp>

namespace forge {

std::map<std::string, double> evaluate(Model& model, const Dataset& dataset, int64_t batch_size, torch::Device device) {
  int64_t n = dataset.size();
  if (n == 0) throw Error(ExitCode::failure, "cannot evaluate on an empty dataset");
  torch::InferenceMode no_autograd;
  model.module().eval();
  std::map<std::string, double> sums;
  for (int64_t start = 0; start < n; start += batch_size) {
    int64_t end = std::min(n, start + batch_size);
    StepOutput out = model.eval_step({to_device(dataset.inputs.slice(0, start, end), device),
                                      to_device(dataset.targets.slice(0, start, end), device)});
    for (const auto& [name, value] : out.metrics) sums[name] += value * double(end - start);
  }
  for (auto& [name, sum] : sums) sum /= double(n);
  return sums;
}

}  // namespace forge
