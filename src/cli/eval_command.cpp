// forge eval: test-set metrics of a run's checkpoint (the newest intact one by default),
// printed and recorded in the run's evals.json.
#include "app/checkpoint_choice.hpp"
#include "app/run_training.hpp"
#include "app/saved_run.hpp"
#include "cli/commands.hpp"
#include "cli/run_command_help.hpp"
#include "core/exception_text.hpp"
#include "metrics/table_writer.hpp"
#include "runs/evaluations.hpp"
#include "runs/manifest.hpp"
#include "runs/run_dir.hpp"
#include "runs/run_lock.hpp"
#include "train/device.hpp"
#include "train/evaluate.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <iostream>
#include <sstream>

namespace forge {
namespace {

const char* usage =
    "usage: forge eval RUN_DIR [--checkpoint STEP|best] [--batch_size N] [--device DEV] [--force]\n"
    "Evaluates the run's model on its data's test set and records the result in evals.json.\n";

FlagSet eval_flag_set() {
  FlagSet set;
  set.declare(
      {text_flag("checkpoint", "",
                 "step of the checkpoint to evaluate, or best (the one --keep_best kept); "
                 "default: the newest intact one"),
       integer_flag("batch_size", 0, "evaluation batch size (0: the run's --eval_batch_size)"),
       text_flag("device", "cpu", "cpu | cuda | cuda:N"),
       bool_flag("force", false,
                 "load the run's plugin libraries even when they lie outside the run folder or differ from what it "
                 "recorded (only for runs you trust)")},
      "forge eval");
  return set;
}

}  // namespace

int eval_command(const Args& args) {
  if (print_run_command_help(args, usage, eval_flag_set())) return 0;
  Flags options = eval_flag_set().parse(Args(args.begin() + 1, args.end()));
  if (options.integer("batch_size") < 0)
    throw Error(ExitCode::usage, "--batch_size must be at least 1 (or 0: the run's --eval_batch_size)");
  const std::string& run_dir = args[0];
  require_run_dir(run_dir);
  try {
    if (record_crash_if_dead(run_dir))
      spdlog::warn("{} was left running by a process that died: recorded as crashed", run_dir);
  } catch (const Error& e) {  // a read-only run folder: evaluating it needs no write
    spdlog::warn("{}", e.what());
  }
  const ChosenCheckpoint checkpoint =
      choose_checkpoint(run_dir, options.text("checkpoint"), "evaluate");  // before any plugin loads
  const SavedRun saved = open_saved_run(run_dir, options.boolean("force"));
  // A run trained with --ema_decay evaluated the average of its weights: so does eval.
  RestoredModel restored = restore_model(saved, checkpoint, options.text("device"), WeightsChoice::as_evaluated);
  if (restored.averaged) spdlog::info("evaluating the average of the weights (the run's --ema_decay)");
  if (!restored.data.has_dataset("test"))
    throw Error(ExitCode::data, "the run's data plugin returns no 'test' dataset");
  const torch::Device device = parse_device(options.text("device"));
  const int64_t batch_size =
      options.integer("batch_size") > 0 ? options.integer("batch_size") : evaluation_batch_size(saved.flags);
  Evaluation evaluation = evaluate(*restored.model, restored.data.dataset("test"), "test", batch_size, device, nullptr,
                                   loader_settings(saved.flags, device));
  const auto& metrics = evaluation.metrics;
  const TrainingPosition& position = restored.position;

  // The result first: a run folder that cannot be written (read-only, a full disk) costs the
  // record of it, never the result itself.
  std::ostringstream line;
  line << "test";
  for (const auto& [name, value] : metrics) line << ' ' << name << ' ' << value;
  line << " (checkpoint step " << checkpoint.step << ", epoch " << position.epoch << ")";
  std::cout << line.str() << std::endl;

  try {
    TableWriter(run_dir).write("test", checkpoint.step, evaluation.tables);
    record_evaluation(
        run_dir, checkpoint.step,
        {{"split", "test"}, {"metrics", metrics}, {"epoch", position.epoch}, {"evaluated", now_iso8601()}});
  } catch (const std::exception& e) {
    spdlog::warn("the result above is not recorded in {}: {}", run_dir, exception_text(e));
  }
  return 0;
}

}  // namespace forge
