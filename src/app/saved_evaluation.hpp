// forge eval's use case: a saved run's checkpoint evaluated on its test set, and the result
// recorded in the run folder.
#pragma once

#include "app/saved_run.hpp"

#include <forge/metric.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace forge {

struct SavedEvaluation {
  int64_t step = 0;       // the checkpoint's
  int64_t epoch = 0;      // epochs done at it
  bool averaged = false;  // of the run's --ema_decay average, as the run evaluated itself
  std::map<std::string, double> metrics;
  std::map<std::string, Table> tables;
};

// Evaluates `checkpoint` of `run` on its test set on `device`, in batches of `batch_size` (0: the
// run's own evaluation batch size). Throws Error(ExitCode::data) when the data has no test set.
SavedEvaluation evaluate_saved_run(const SavedRun& run, const ChosenCheckpoint& checkpoint, const std::string& device,
                                   int64_t batch_size);

// Keeps `evaluation` in the run folder: its tables and its line in evals.json. Throws when the
// folder cannot be written.
void record_saved_evaluation(const std::string& run_dir, const SavedEvaluation& evaluation);

}  // namespace forge
