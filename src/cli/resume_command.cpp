// forge resume: continue a run from its newest intact checkpoint, using only the run folder.
#include "cli/commands.hpp"
#include "cli/run_training.hpp"
#include "core/error.hpp"
#include "core/logging.hpp"
#include "metrics/metrics_log.hpp"

#include <spdlog/spdlog.h>

namespace forge {
namespace {

const char* usage =
    "usage: forge resume RUN_DIR [--epochs N] [--threads N] [--log_every N]\n"
    "Continues the run from its newest intact checkpoint with its saved plugins and flags.\n";

// The flags a resume may change, defaulting to the run's saved values: ones that do not alter
// what the run computes (--epochs only extends it; results are exact for the same --threads).
FlagSet resume_flag_set(const Flags& saved) {
  std::vector<FlagSpec> allowed;
  for (auto spec : train_flags()) {
    if (spec.name != "epochs" && spec.name != "threads" && spec.name != "log_every") continue;
    if (saved.has(spec.name)) spec.default_value = saved.text(spec.name);
    allowed.push_back(spec);
  }
  FlagSet set;
  set.declare(allowed, "forge resume");
  return set;
}

}  // namespace

int resume_command(const Args& args, const Args& command_line) {
  if (print_run_command_help(args, usage, resume_flag_set(Flags()))) return 0;
  SavedRun run = open_saved_run(args[0]);
  Flags flags = run.flags;
  Flags given_now = resume_flag_set(flags).parse(Args(args.begin() + 1, args.end()));
  for (const auto& [name, value] : given_now.all()) flags.set(name, value);
  if (flags.integer("epochs") < 1) throw Error(ExitCode::usage, "--epochs must be at least 1");

  int threads = apply_process_settings(flags);
  DataMap data = load_data(run.data_plugin, flags);
  auto model = load_model(run.model_plugin, flags, data);
  auto optimizer = make_optimizer_from_flags(flags, *model);
  TrainingPosition position;
  int64_t step = newest_valid_checkpoint(run.dir);
  if (step >= 0) position = load_checkpoint(checkpoint_path(run.dir, step), model->module(), optimizer.get());

  add_log_file(run.dir + "/log.txt");
  if (step >= 0)
    spdlog::info("resuming {} from step {} (epoch {}, batch {})", run.dir, step, position.epoch + 1, position.batch);
  else
    spdlog::warn("{} has no intact checkpoint; training it from the start", run.dir);
  MetricsLog::truncate_after(run.dir, std::max<int64_t>(step, 0));
  write_json_atomically(run.dir + "/flags.json", flags_to_json(train_flag_set(run.data_plugin, run.model_plugin), flags));
  json& manifest = run.manifest;
  manifest["status"] = "running";
  manifest["reason"] = "";
  manifest["ended"] = nullptr;
  manifest["resumes"].push_back({{"started", now_iso8601()}, {"command_line", command_line},
                                 {"from_step", step}, {"threads", threads}});
  write_json_atomically(run.dir + "/manifest.json", manifest);
  return run_training(run.dir, *model, data, flags, *optimizer, position);
}

}  // namespace forge
