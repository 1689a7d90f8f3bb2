#include "app/saved_evaluation.hpp"

#include "app/run_training.hpp"
#include "metrics/table_writer.hpp"
#include "runs/evaluations.hpp"
#include "runs/manifest.hpp"
#include "train/device.hpp"
#include "train/evaluate.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

namespace forge {

SavedEvaluation evaluate_saved_run(const SavedRun& run, const ChosenCheckpoint& checkpoint, const std::string& device,
                                   int64_t batch_size) {
  // A run trained with --ema_decay evaluated the average of its weights: so does eval.
  RestoredModel restored = restore_model(run, checkpoint, device, WeightsChoice::as_evaluated);
  if (restored.averaged) spdlog::info("evaluating the average of the weights (the run's --ema_decay)");
  if (!restored.data.has_dataset("test"))
    throw Error(ExitCode::data, "the run's data plugin returns no 'test' dataset");
  const torch::Device on = parse_device(device);
  Evaluation evaluation = evaluate(*restored.model, restored.data.dataset("test"), "test",
                                   batch_size > 0 ? batch_size : evaluation_batch_size(run.flags), on, nullptr,
                                   loader_settings(run.flags, on));
  return {checkpoint.step, restored.position.epoch, restored.averaged, std::move(evaluation.metrics),
          std::move(evaluation.tables)};
}

void record_saved_evaluation(const std::string& run_dir, const SavedEvaluation& evaluation) {
  TableWriter(run_table_paths(run_dir)).write("test", evaluation.step, evaluation.tables);
  record_evaluation(
      run_dir, evaluation.step,
      {{"split", "test"}, {"metrics", evaluation.metrics}, {"epoch", evaluation.epoch}, {"evaluated", now_iso8601()}});
}

}  // namespace forge
