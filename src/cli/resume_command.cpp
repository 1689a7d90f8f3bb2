// forge resume: continue a run from its newest intact checkpoint, using only the run folder.
#include "cli/commands.hpp"
#include "cli/run_training.hpp"
#include "core/error.hpp"
#include "core/logging.hpp"
#include "runs/run_dir.hpp"
#include "metrics/metrics_log.hpp"

#include <spdlog/spdlog.h>

#include <iostream>

namespace forge {
namespace {

const char* usage =
    "usage: forge resume RUN_DIR [--epochs N] [--threads N] [--log_every N]\n"
    "Continues the run from its newest intact checkpoint with its saved plugins and flags.\n";

// The flags a resume may change: ones that do not alter what the finished run computes
// (--epochs only extends it).
FlagSet resume_flag_set() {
  FlagSet set;
  std::vector<FlagSpec> allowed;
  for (const auto& spec : train_flags())
    if (spec.name == "epochs" || spec.name == "threads" || spec.name == "log_every") allowed.push_back(spec);
  set.declare(allowed, "forge resume");
  return set;
}

}  // namespace

int resume_command(const Args& args, const Args& command_line) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage << resume_flag_set().help();
    if (args.empty()) throw Error(ExitCode::usage, "forge resume needs a run folder");
    return 0;
  }
  const std::string run_dir = args[0];
  require_run_dir(run_dir);
  json manifest = read_json(run_dir + "/manifest.json");
  Flags flags = read_saved_flags(run_dir);

  // Overrides given now, parsed as typed flags, then applied over the saved values.
  FlagSet overrides_set = resume_flag_set();
  Args rest(args.begin() + 1, args.end());
  Flags overrides = overrides_set.parse(rest);
  for (const auto& name : overrides_set.names())
    if (find_flag_value(rest, name) != "") flags.set(name, overrides.text(name));
  if (flags.integer("epochs") < 1) throw Error(ExitCode::usage, "--epochs must be at least 1");

  PreparedPlugin data_plugin = prepare_saved_plugin(run_dir, manifest["plugins"]["data"], PluginKind::data);
  PreparedPlugin model_plugin = prepare_saved_plugin(run_dir, manifest["plugins"]["model"], PluginKind::model);
  FlagSet flag_set = train_flag_set(data_plugin, model_plugin);
  int threads = apply_process_settings(flags);
  DataMap data = load_data(data_plugin, flags);
  auto model = load_model(model_plugin, flags, data);
  auto optimizer = make_optimizer_from_flags(flags, *model);

  TrainingPosition position;
  int64_t step = newest_valid_checkpoint(run_dir);
  if (step >= 0) position = load_checkpoint(checkpoint_path(run_dir, step), model->module(), optimizer.get());

  add_log_file(run_dir + "/log.txt");
  if (step >= 0)
    spdlog::info("resuming {} from step {} (epoch {}, batch {})", run_dir, step, position.epoch + 1, position.batch);
  else
    spdlog::warn("{} has no intact checkpoint; training it from the start", run_dir);
  MetricsLog::truncate_after(run_dir, std::max<int64_t>(step, 0));
  write_json_atomically(run_dir + "/flags.json", flags_to_json(flag_set, flags));
  manifest["status"] = "running";
  manifest["reason"] = "";
  manifest["ended"] = nullptr;
  manifest["resumes"].push_back({{"started", now_iso8601()}, {"command_line", command_line},
                                 {"from_step", step}, {"threads", threads}});
  write_json_atomically(run_dir + "/manifest.json", manifest);
  return run_training(run_dir, *model, data, flags, *optimizer, position);
}

}  // namespace forge
