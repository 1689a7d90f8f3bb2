// forge eval: test-set metrics of a run's checkpoint (the newest intact one by default),
// printed and recorded in the run's evals.json.
#include "app/checkpoint_choice.hpp"
#include "app/saved_evaluation.hpp"
#include "cli/command_help.hpp"
#include "cli/commands.hpp"
#include "core/exception_text.hpp"
#include "runs/manifest.hpp"
#include "runs/run_dir.hpp"
#include "runs/run_lock.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <iostream>
#include <sstream>

namespace forge {
namespace {

const char* usage =
    "usage: forge eval RUN_DIR [--checkpoint STEP|best] [--batch_size N] [--device DEV] [--force]\n"
    "Evaluates the run's model on its data's test set and records the result in evals.json.\n";

FlagSet eval_syntax() {
  FlagSet set("eval");
  set.take_operands({"RUN_DIR"}, 1);
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
  const std::optional<CommandLine> command = read_command_line(args, usage, eval_syntax());
  if (!command) return 0;
  const Flags& options = command->flags;
  if (options.integer("batch_size") < 0)
    throw Error(ExitCode::usage, "--batch_size must be at least 1 (or 0: the run's --eval_batch_size)");
  const std::string& run_dir = command->operands[0];
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
  const SavedEvaluation evaluation =
      evaluate_saved_run(saved, checkpoint, options.text("device"), options.integer("batch_size"));

  // The result first: a run folder that cannot be written (read-only, a full disk) costs the
  // record of it, never the result itself.
  std::ostringstream line;
  line << "test";
  for (const auto& [name, value] : evaluation.metrics) line << ' ' << name << ' ' << value;
  line << " (checkpoint step " << evaluation.step << ", epoch " << evaluation.epoch << ")";
  std::cout << line.str() << std::endl;

  try {
    record_saved_evaluation(run_dir, evaluation);
  } catch (const std::exception& e) {
    spdlog::warn("the result above is not recorded in {}: {}", run_dir, exception_text(e));
  }
  return 0;
}

}  // namespace forge
