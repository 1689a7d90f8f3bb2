#include "train/evaluate.hpp"

#include "train/device.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

namespace forge {
namespace {

// Adds every rank's sums and metric states, in one exchange: [samples, sums..., states...].
void add_up_ranks(DataParallelGroup& group, torch::Device device, double& samples, std::map<std::string, double>& sums,
                  const std::vector<std::shared_ptr<Metric>>& metrics) {
  std::vector<torch::Tensor> parts{torch::tensor({samples}, torch::kFloat64)};
  for (const auto& [name, sum] : sums) parts.push_back(torch::tensor({sum}, torch::kFloat64));
  std::vector<torch::Tensor> states;
  for (const auto& metric : metrics)
    for (auto& state : metric->state()) {
      states.push_back(state);
      parts.push_back(state.reshape(-1).to(torch::kFloat64));
    }
  torch::Tensor flat = torch::cat(parts).to(device);  // NCCL sums on the GPU
  group.sum(flat);
  flat = flat.to(torch::kCPU);
  const double* value = flat.data_ptr<double>();
  samples = *value++;
  for (auto& [name, sum] : sums) sum = *value++;
  for (auto& state : states) {
    state.copy_(torch::from_blob(const_cast<double*>(value), state.sizes(), torch::kFloat64));
    value += state.numel();
  }
}

}  // namespace

Evaluation evaluate(Model& model, const Dataset& dataset, const std::string& split, int64_t batch_size,
                    torch::Device device, DataParallelGroup* group, const LoaderSettings& loading) {
  if (group) {
    // Each rank's batch-norm statistics are its own batches' (training never exchanges
    // buffers): every rank evaluates with rank 0's, which its checkpoints hold.
    std::vector<torch::Tensor> buffers;
    for (auto& buffer : model.module().buffers())
      if (buffer.defined()) buffers.push_back(buffer.detach());
    group->broadcast(buffers);
  }
  // Each rank evaluates a shard and the results are added up — but a stream whose samples carry
  // state, and a set smaller than the group, are evaluated whole by every rank.
  if (dataset.stream && !dataset.stream->evaluated_in_shards()) group = nullptr;
  auto prepared_size = [&] {
    if (dataset.stream)
      dataset.stream->prepare({split, batch_size, group ? group->rank() : 0, group ? group->size() : 1});
    return dataset.size();
  };
  int64_t n = prepared_size();
  if (group && n < group->size()) {
    group = nullptr;
    n = prepared_size();
  }
  if (n == 0) throw Error(ExitCode::failure, "cannot evaluate on an empty dataset");
  const int64_t rank = group ? group->rank() : 0, world = group ? group->size() : 1;
  const int64_t first = n * rank / world, end = n * (rank + 1) / world;
  torch::InferenceMode no_autograd;
  model.module().eval();
  std::vector<std::shared_ptr<Metric>> metrics = model.eval_metrics();
  std::map<std::string, double> sums;
  double samples = 0;
  auto evaluate_batch = [&](const Batch& batch) {
    StepOutput out = model.eval_step(batch);
    const int64_t size = batch.size();
    samples += double(size);
    for (const auto& [name, value] : out.metrics) sums[name] += value * double(size);
    NamedOutputs outputs = std::move(out.named_outputs);
    if (out.outputs.defined()) outputs["outputs"] = out.outputs;
    if (!outputs.empty())
      for (auto& metric : metrics) metric->update(outputs, batch);
  };
  if (!dataset.in_memory()) {
    std::vector<torch::Tensor> plan;
    for (int64_t start = first; start < end; start += batch_size)
      plan.push_back(torch::arange(start, std::min(end, start + batch_size), torch::kInt64));
    BatchLoader loader = dataset.stream ? BatchLoader(*dataset.stream, split, 0, std::move(plan), loading)
                                        : BatchLoader(*dataset.source, split, 0, std::move(plan), loading);
    while (!loader.done()) {
      LoadedBatch loaded = loader.next();
      for (const auto& line : loaded.skipped) spdlog::warn("skipped {}", line);
      if (loaded.batch.size() > 0) evaluate_batch(to_device(std::move(loaded.batch), device));
    }
  } else {
    for (int64_t start = first; start < end; start += batch_size) {
      const int64_t stop = std::min(end, start + batch_size);
      Batch batch{to_device(dataset.inputs.slice(0, start, stop), device),
                  to_device(dataset.targets.slice(0, start, stop), device)};
      batch.split = split;
      batch.indices = torch::arange(start, stop, torch::kInt64);
      evaluate_batch(batch);
    }
  }
  if (group) {
    add_up_ranks(*group, device, samples, sums, metrics);
    for (auto& metric : metrics)
      metric->concatenate_ranks([&](const torch::Tensor& part) { return all_gather(*group, part, device); });
  }
  Evaluation evaluation;
  if (samples == 0) throw Error(ExitCode::data, "every " + split + " sample was left out as bad: nothing to evaluate");
  for (const auto& [name, sum] : sums) evaluation.metrics[name] = sum / samples;
  for (const auto& metric : metrics) {
    for (const auto& [name, value] : metric->compute()) evaluation.metrics[name] = value;
    for (auto& [name, table] : metric->tables()) evaluation.tables[name] = table;
  }
  return evaluation;
}

}  // namespace forge
