#include "app/run_training.hpp"

#include "core/exception_text.hpp"
#include "core/json_file.hpp"
#include "core/logging.hpp"
#include "core/wall_clock.hpp"
#include "metrics/hparams_data.hpp"
#include "metrics/metrics_log.hpp"
#include "metrics/tensorboard_writer.hpp"
#include "runs/manifest.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_files.hpp"
#include "tracking/live_tracker.hpp"
#include "tracking/tracking_uri.hpp"
#include "train/builtin_callbacks.hpp"
#include "train/stop_signals.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <thread>

namespace forge {

OptimizerSet make_optimizer_set_from_flags(const Flags& flags, Model& model, const TrainSettings& settings) {
  OptimizerDefaults defaults{
      {flags.text("optimizer"), flags.real("lr"), flags.real("momentum"), flags.real("weight_decay")},
      settings.schedule,
      flags.boolean("no_decay_bias_norm")};
  return make_optimizer_set(model, defaults);
}

int64_t workers_for_this_machine() { return std::clamp<int64_t>(int64_t(std::thread::hardware_concurrency()), 1, 4); }

LoaderSettings loader_settings(const Flags& flags, torch::Device device) {
  LoaderSettings loading;
  const int64_t workers = flags.has("workers") ? flags.integer("workers") : -1;
  if (workers < -1) throw Error(ExitCode::usage, "--workers must be 0 or more (or -1: one per core, at most 4)");
  loading.workers = workers == -1 ? workers_for_this_machine() : workers;
  loading.prefetch = flags.has("prefetch") ? flags.integer("prefetch") : 2;
  if (loading.prefetch < 1) throw Error(ExitCode::usage, "--prefetch must be at least 1");
  loading.skip_bad_samples = flags.has("skip_bad_samples") && flags.boolean("skip_bad_samples");
  loading.seed = flags.integer("seed");
  loading.pin_memory = device.is_cuda();
  loading.sample_timeout = flags.has("sample_timeout") ? flags.real("sample_timeout") : loading.sample_timeout;
  if (!(loading.sample_timeout > 0))
    throw Error(ExitCode::usage, "--sample_timeout must be a positive number of seconds");
  return loading;
}

int64_t evaluation_batch_size(const Flags& flags) {
  // A run recorded before --eval_batch_size was evaluated in batches of at least 256.
  if (!flags.has("eval_batch_size")) return std::max<int64_t>(flags.integer("batch_size"), 256);
  const int64_t size = flags.integer("eval_batch_size");
  return size > 0 ? size : flags.integer("batch_size");
}

namespace {

// The run's flags (flags.json) as TensorBoard types hyperparameters.
HParams flag_hparams(const std::string& run_dir) {
  HParams hparams;
  const json flags = read_json(flags_file(run_dir));
  for (const auto& [name, value] : flags.items()) {
    HParamValue typed;
    if (value.is_boolean()) {
      typed.kind = HParamValue::Kind::boolean;
      typed.boolean = value.get<bool>();
    } else if (value.is_number()) {
      typed.kind = HParamValue::Kind::number;
      typed.number = value.get<double>();
    } else {
      typed.text = value.is_string() ? value.get<std::string>() : value.dump();
    }
    hparams.push_back({name, typed});
  }
  return hparams;
}

// How the run ended, for TensorBoard's HParams view: in an event file of its own, which
// replaces an earlier session's end.
void record_session_end(const std::string& run_dir, SessionStatus status) {
  try {
    TensorBoardWriter(tensorboard_folder(run_dir), "end")
        .hparams(hparams_session_end_tag, hparams_session_end(status, unix_time()));
  } catch (const std::exception& e) {
    spdlog::warn("could not record the run's end for TensorBoard: {}", exception_text(e));
  }
}

// The loop's own settings.
TrainSettings train_settings(const Flags& flags, const LoadedRun& run, std::shared_ptr<DataParallelGroup> group) {
  for (const char* name : {"epochs", "batch_size", "log_every", "accumulate"})
    if (flags.integer(name) < 1) throw Error(ExitCode::usage, std::string("--") + name + " must be at least 1");
  for (const char* name :
       {"eval_batch_size", "checkpoint_every", "keep_checkpoints", "stop_after_steps", "stop_after_epochs", "max_steps",
        "eval_every_steps", "eval_test_every", "warmup_steps", "lr_step_size"})
    if (flags.integer(name) < 0) throw Error(ExitCode::usage, std::string("--") + name + " must not be negative");
  if (!(flags.real("clip_grad_norm") >= 0)) throw Error(ExitCode::usage, "--clip_grad_norm must not be negative");
  TrainSettings s;
  s.epochs = flags.integer("epochs");
  s.batch_size = flags.integer("batch_size");
  s.eval_batch_size = evaluation_batch_size(flags);
  s.drop_last = flags.has("drop_last") && flags.boolean("drop_last");
  s.log_every = flags.integer("log_every");
  s.seed = flags.integer("seed");
  s.checkpoint_every = flags.integer("checkpoint_every");
  s.stop_after_steps = flags.integer("stop_after_steps");
  s.stop_after_epochs = flags.has("stop_after_epochs") ? flags.integer("stop_after_epochs") : 0;
  s.max_steps = flags.integer("max_steps");
  s.accumulate = flags.integer("accumulate");
  s.clip_grad_norm = flags.real("clip_grad_norm");
  s.eval_every_steps = flags.integer("eval_every_steps");
  s.eval_test_every = flags.integer("eval_test_every");
  s.device = run.device;
  s.precision = parse_precision(flags.text("precision"), run.device);
  s.group = std::move(group);
  // A progress bar on the terminal of the process that writes the run takes the log lines' place there.
  s.log_to_file_only = !flags.boolean("no_progress") && interactive_terminal() && s.writes_run();
  s.loading = loader_settings(flags, run.device);
  int64_t epoch_steps = run.data.has_dataset("train") ? steps_per_epoch(run.data.dataset("train"), s) : 1;
  LrSchedule& schedule = s.schedule;
  schedule.kind = parse_schedule_kind(flags.text("lr_schedule"));
  schedule.lr = flags.real("lr");
  schedule.warmup_steps = flags.integer("warmup_steps");
  schedule.step_size = flags.integer("lr_step_size") > 0 ? flags.integer("lr_step_size") : epoch_steps;
  schedule.gamma = flags.real("lr_gamma");
  schedule.min_lr = flags.real("min_lr");
  schedule.total_steps = s.max_steps > 0 ? s.max_steps : s.epochs * epoch_steps;
  check_train_settings(s, run.data, *run.model);
  return s;
}

// A goal flag's goal, a metric named: one that names only a split watches the model's own.
MetricGoal watched_goal(const Flags& flags, const std::string& flag, const LoadedRun& run, const TrainSettings& s) {
  MetricGoal goal = parse_metric_goal(flags.text(flag), flag, flag == "early_stopping");
  check_watched_split(goal, flag, run.data, s.eval_test_every);
  if (goal.name.empty()) {
    const MainMetric main = run.model->main_metric();
    goal.name = main.name;
    goal.maximize = main.maximize;
  }
  return goal;
}

// forge's callbacks as the flags ask, then the model's own.
CallbackList run_callbacks(const Flags& flags, const LoadedRun& run, const TrainSettings& s) {
  std::vector<std::shared_ptr<Callback>> callbacks;
  if (flags.real("ema_decay") != 0) callbacks.push_back(make_weight_average_callback(flags.real("ema_decay")));
  if (!flags.text("keep_best").empty())
    callbacks.push_back(make_keep_best_callback(watched_goal(flags, "keep_best", run, s)));
  if (!flags.text("early_stopping").empty())
    callbacks.push_back(make_early_stopping_callback(watched_goal(flags, "early_stopping", run, s)));
  callbacks.push_back(make_learning_rates_callback());
  if (s.log_to_file_only) callbacks.push_back(make_progress_bar_callback());
  std::vector<std::shared_ptr<Callback>> own;
  try {
    own = run.model->callbacks();
  } catch (const std::exception& e) {
    throw Error(ExitCode::plugin, "the model plugin's callbacks() failed: " + exception_text(e));
  }
  callbacks.insert(callbacks.end(), own.begin(), own.end());
  return CallbackList(std::move(callbacks));
}

}  // namespace

TrainingPlan training_plan(const Flags& flags, const LoadedRun& run, std::shared_ptr<DataParallelGroup> group) {
  TrainingPlan plan;
  plan.settings = train_settings(flags, run, std::move(group));
  plan.callbacks = run_callbacks(flags, run, plan.settings);
  plan.checkpoints = {run.device, flags.integer("keep_checkpoints"), plan.settings.epochs, plan.settings.max_steps,
                      flags.boolean("async_checkpoint")};
  plan.tracking_uri = tracking_uri(flags.has("tracking_uri") ? flags.text("tracking_uri") : "");
  return plan;
}

TableWriter::PathOf run_table_paths(const std::string& run_dir) {
  return [run_dir](const std::string& split, const std::string& name, int64_t step) {
    return table_path(run_dir, split, name, step);
  };
}

TrainerOutputs run_folder_outputs(const std::string& run_dir, const TrainingPlan& plan, int64_t first_step) {
  TrainerOutputs outputs;
  if (!plan.settings.writes_run()) return outputs;
  outputs.sinks.push_back(std::make_shared<CsvMetricWriter>(metrics_file(run_dir), metrics_csv_header));
  // A new event file whose SessionLog START drops an earlier session's points from here on;
  // its first record the run's flags, for TensorBoard's HParams view.
  auto events = std::make_shared<TensorBoardWriter>(tensorboard_folder(run_dir), first_step);
  events->hparams(hparams_session_start_tag, hparams_session_start(flag_hparams(run_dir), unix_time()));
  outputs.sinks.push_back(events);
  outputs.checkpointer = std::make_shared<RunFolderCheckpointer>(run_dir, plan.checkpoints);
  outputs.images = std::make_shared<ImageWriter>(
      [run_dir](const std::string& name, int64_t epoch) { return image_path(run_dir, name, epoch); });
  outputs.tables = std::make_shared<TableWriter>(run_table_paths(run_dir));
  return outputs;
}

int run_training(const std::string& run_dir, LoadedRun& run, const TrainingPlan& plan, OptimizerSet& optimizers,
                 TrainingStart start) {
  const TrainSettings& settings = plan.settings;
  TrainResult result;
  // Sent to the tracking server by a thread of its own; told how the run ended once the
  // manifest says so. A sweep or a search names its own MLflow run, the parent of its points'.
  std::optional<LiveTracker> tracker;
  if (settings.writes_run() && !plan.tracking_uri.empty()) {
    const char* parent = std::getenv("FORGE_TRACKING_PARENT_RUN");
    tracker.emplace(plan.tracking_uri, run_dir, parent ? parent : "");
  }
  // Data-parallel ranks other than 0 leave the run's record to rank 0.
  auto record = [&](const std::string& status, const std::string& reason) {
    if (!settings.writes_run()) return;
    record_status(run_dir, status, reason);
    record_session_end(run_dir, status == "failed" ? SessionStatus::failure : SessionStatus::unknown);
    if (tracker) tracker->finish();
  };
  try {
    Trainer trainer(*run.model, run.data, optimizers, settings,
                    run_folder_outputs(run_dir, plan, start.position.step + 1), plan.callbacks);
    result = trainer.run(std::move(start));
    if (result.outcome == TrainOutcome::interrupted) {
      int signal = result.signal;
      std::string cause = signal == SIGTERM       ? "SIGTERM"
                          : signal == SIGINT      ? "SIGINT"
                          : result.reason.empty() ? "--stop_after_steps"
                                                  : result.reason;
      std::string reason = "stopped by " + cause + "; continue with: forge resume " + run_dir;
      record("interrupted", reason);
      spdlog::warn("{}", reason);
      return signal == 0 ? 0 : 128 + signal;
    }
  } catch (const std::exception& e) {
    std::string reason = exception_text(e);
    if (run.channels_last && reason.find("view size is not compatible") != std::string::npos)
      reason +=
          " — with --channels_last the model's forward must reshape, not view(), what its convolutions give "
          "(or train without --channels_last)";
    try {
      record("failed", reason);
    } catch (const std::exception& also) {
      // The folder may be unwritable (the reason training failed); the error below still says why.
      spdlog::warn("could not record the failure in the manifest: {}", exception_text(also));
    }
    // A bad sample keeps the data's exit code: the data, not training, is at fault.
    const auto* error = dynamic_cast<const Error*>(&e);
    const ExitCode code = error && error->code() == ExitCode::data ? ExitCode::data : ExitCode::failure;
    throw Error(code, "training failed: " + reason + " (run " + run_dir + ")");
  }
  if (settings.writes_run()) {
    record_completed(run_dir, result.step, result.reason);
    record_session_end(run_dir, SessionStatus::success);
  }
  if (tracker) tracker->finish();
  spdlog::info("run {} completed: {}", run_dir, result.reason);
  return 0;
}

}  // namespace forge
