// Evaluation of a model on a whole dataset, in batches, without gradients: the per-batch
// metrics of its eval_step averaged over the set, and its whole-set metrics (Model::
// eval_metrics) with their tables. Data-parallel, each rank evaluates its own shard and the
// ranks' sums and metric states are added up, so every sample is evaluated once and every rank
// gets the whole set's numbers (with rank 0's buffers, batch-norm statistics, which it gives
// every rank first).
#pragma once

#include <forge/model.hpp>

#include "train/batch_loader.hpp"
#include "train/data_parallel.hpp"

#include <map>
#include <string>

namespace forge {

struct Evaluation {
  std::map<std::string, double> metrics;
  std::map<std::string, Table> tables;  // the whole-set metrics' (a confusion matrix)
};

// Batch means weighted by batch size, each batch moved to `device`. Leaves the module in eval
// mode. Throws Error(ExitCode::failure) on an empty dataset. `group`: the run's data-parallel
// group (null: alone); every rank must call it. A set smaller than the group, and a stream that
// is not evaluated in shards (Stream::evaluated_in_shards), are evaluated whole by every rank. A dataset from a Source
// is loaded as `loading` says; a sample left out by
// --skip_bad_samples is logged and not counted.
Evaluation evaluate(Model& model, const Dataset& dataset, const std::string& split, int64_t batch_size,
                    torch::Device device = torch::kCPU, DataParallelGroup* group = nullptr,
                    const LoaderSettings& loading = {});

}  // namespace forge
