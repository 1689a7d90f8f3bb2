#include "cli/run_training.hpp"

#include "core/error.hpp"
#include "core/exception_text.hpp"
#include "train/optimizers.hpp"
#include "train/stop_signals.hpp"

#include <spdlog/spdlog.h>

#include <csignal>

namespace forge {

std::unique_ptr<torch::optim::Optimizer> make_optimizer_from_flags(const Flags& flags, Model& model) {
  OptimizerSettings settings{flags.text("optimizer"), flags.real("lr"), flags.real("momentum"),
                             flags.real("weight_decay")};
  return make_optimizer(settings, model.module().parameters());
}

int run_training(const std::string& run_dir, Model& model, const DataMap& data, const Flags& flags,
                 torch::optim::Optimizer& optimizer, const TrainingPosition& start) {
  TrainSettings settings{flags.integer("epochs"),           flags.integer("batch_size"),
                         flags.integer("log_every"),        flags.integer("seed"),
                         flags.integer("checkpoint_every"), flags.integer("keep_checkpoints"),
                         flags.integer("stop_after_steps")};
  if (!flags.text("keep_best").empty()) settings.keep_best = parse_best_metric(flags.text("keep_best"));
  try {
    Trainer trainer(model, data, optimizer, settings, run_dir);
    if (trainer.run(start) == TrainOutcome::interrupted) {
      int signal = stop_signal();
      std::string cause = signal == 0 ? "--stop_after_steps" : signal == SIGTERM ? "SIGTERM" : "SIGINT";
      std::string reason = "stopped by " + cause + "; continue with: forge resume " + run_dir;
      record_status(run_dir, "interrupted", reason);
      spdlog::warn("{}", reason);
      return signal == 0 ? 0 : 128 + signal;
    }
  } catch (const std::exception& e) {
    std::string reason = exception_text(e);
    try {
      record_status(run_dir, "failed", reason);
    } catch (const std::exception& also) {
      // The folder may be unwritable (the reason training failed); the error below still says why.
      spdlog::warn("could not record the failure in the manifest: {}", exception_text(also));
    }
    throw Error(ExitCode::failure, "training failed: " + reason + " (run " + run_dir + ")");
  }
  record_status(run_dir, "completed", "trained " + std::to_string(settings.epochs) + " epochs");
  spdlog::info("run {} completed", run_dir);
  return 0;
}

int64_t newest_valid_checkpoint(const std::string& run_dir) {
  auto steps = list_checkpoints(run_dir);
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    try {
      verify_checkpoint(checkpoint_path(run_dir, *it));
      return *it;
    } catch (const Error& e) {
      spdlog::warn("skipping {}", e.what());
    }
  }
  return -1;
}

}  // namespace forge
