#include "app/train_new_run.hpp"

#include "app/fine_tuning.hpp"
#include "app/loaded_run.hpp"
#include "app/process_settings.hpp"
#include "app/run_lifecycle.hpp"
#include "app/run_training.hpp"
#include "runs/model_record.hpp"
#include "runs/run_files.hpp"
#include "train/data_parallel.hpp"
#include "train/model_summary.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

namespace forge {
namespace {

std::string default_run_name(const PreparedPlugins& plugins) {
  namespace fs = boost::filesystem;
  return fs::path(plugins.data.files.library).stem().string() + "_" +
         fs::path(plugins.model.files.library).stem().string();
}

// The model as it starts training (initial weights applied, frozen parameters marked): logged,
// and kept in the run folder for `forge show`.
void record_model(const std::string& run_dir, const torch::nn::Module& module) {
  const json summary = summarize_model(module);
  write_json_atomically(model_summary_file(run_dir), summary);
  spdlog::info("{}", model_summary_text(summary, 2));
}

}  // namespace

void check_new_run(const PreparedPlugins& plugins, Flags flags) {
  if (flags.text("run_name").empty()) flags.set("run_name", default_run_name(plugins));
  if (flags.integer("seed") == -1) flags.set("seed", "0");
  LoadedRun run = load_run(plugins.data, plugins.model, flags);
  if (!run.data.has_dataset("train")) throw Error(ExitCode::data, "the data plugin returned no 'train' dataset");
  const TrainingPlan plan = training_plan(flags, run, nullptr);
  prepare_fine_tuning(flags, *run.model);
  make_optimizer_set_from_flags(flags, *run.model, plan.settings);
}

int train_new_run(NewRunRequest request) {
  Flags& flags = request.flags;
  const PreparedPlugins& plugins = request.plugins;
  if (flags.text("run_name").empty()) flags.set("run_name", default_run_name(plugins));
  const bool seed_drawn = flags.integer("seed") == -1;
  const WorldPosition world = world_from_environment();
  if (world.rank == 0) draw_seed_if_unset(flags);                                     // the other ranks take rank 0's
  std::shared_ptr<DataParallelGroup> group = join_data_parallel_group(world, flags);  // null when alone
  const int threads = apply_process_settings(flags);

  LoadedRun run = load_run(plugins.data, plugins.model, flags);
  if (!run.data.has_dataset("train")) throw Error(ExitCode::data, "the data plugin returned no 'train' dataset");
  const TrainingPlan plan = training_plan(flags, run, group);
  const TrainSettings& settings = plan.settings;
  std::optional<InitialWeights> initial_weights = prepare_fine_tuning(flags, *run.model);
  share_initial_model(group.get(), run.model->module());
  OptimizerSet optimizers = make_optimizer_set_from_flags(flags, *run.model, settings);

  NewRun new_run{request.run_dir_given, request.flag_set,     flags,      plugins.data.files,
                 plugins.model.files,   request.command_line, threads,    settings.loading.workers,
                 run.device.str(),      seed_drawn,           group.get()};
  OpenRun open = start_run(new_run);
  if (initial_weights && settings.writes_run()) keep_initial_weights(open.dir, *initial_weights);
  if (settings.writes_run()) record_model(open.dir, run.model->module());
  return run_training(open.dir, run, plan, optimizers, {});
}

}  // namespace forge
