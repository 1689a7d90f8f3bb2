// forge train: resolve and load the plugins, parse every flag, claim a run folder, snapshot
// the plugins and flags into it, and train.
#include "cli/commands.hpp"
#include "cli/run_training.hpp"
#include "cli/worker_launch.hpp"
#include "core/logging.hpp"
#include "runs/run_dir.hpp"
#include "runs/run_lock.hpp"
#include "sweep/sweep_record.hpp"
#include "train/stop_signals.hpp"
#include "train/trainer.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>
#include <spdlog/spdlog.h>

#include <future>
#include <set>
#include <iostream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

const char* usage =
    "usage: forge train --data PLUGIN --model PLUGIN [flags]\n"
    "       forge train --config FILE [flags]\n"
    "Add --data and --model to --help to see the plugins' flags too.\n";

bool wants_help(const Args& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

Args without_help(Args args) {
  args.erase(std::remove_if(args.begin(), args.end(), [](auto& a) { return a == "--help" || a == "-h"; }),
             args.end());
  return args;
}

// Whether `dir` holds only what a start of forge train that died before writing the manifest
// leaves behind: such a folder may be started again.
bool holds_only_a_failed_start(const std::string& dir) {
  static const std::set<std::string> start_files{".lock", "log.txt", "flags.json", "plugins", sweep_label_file};
  for (const auto& entry : fs::directory_iterator(dir))
    if (!start_files.count(entry.path().filename().string())) return false;
  return true;
}

// --run_dir of a new run: a new folder, an empty one, or one left by a start that died early.
std::string prepare_fresh_run_dir(const std::string& dir) {
  if (fs::exists(dir) && !(fs::is_directory(dir) && holds_only_a_failed_start(dir)))
    throw Error(ExitCode::run, "--run_dir " + dir + " exists and holds no run; give a new or empty folder");
  boost::system::error_code error;
  fs::create_directories(dir, error);
  if (!fs::is_directory(dir)) throw Error(ExitCode::failure, "cannot create --run_dir " + dir + ": " + error.message());
  return dir;
}

std::string default_run_name(const PreparedPlugin& data, const PreparedPlugin& model) {
  return fs::path(data.files.library).stem().string() + "_" + fs::path(model.files.library).stem().string();
}

}  // namespace

int train_command(const Args& given_args, const Args& command_line) {
  const bool help = wants_help(given_args);
  const Args args = without_help(given_args);
  const std::string config = find_flag_value(args, "config");
  const std::string data_name = given_or_configured(args, "data");
  const std::string model_name = given_or_configured(args, "model");
  const std::string run_dir_given = given_or_configured(args, "run_dir");
  // The one command a requeued cluster job needs: start the run in --run_dir, or resume it.
  if (!help && !run_dir_given.empty() && is_run_dir(run_dir_given)) {
    Args resume_args{run_dir_given};
    resume_args.insert(resume_args.end(), args.begin(), args.end());
    return resume_command(resume_args, command_line);
  }
  if (help && (data_name.empty() || model_name.empty())) {
    FlagSet forge_only;
    forge_only.declare(train_flags(), "forge");
    std::cout << usage << forge_only.help();
    return 0;
  }
  if (data_name.empty() || model_name.empty())
    throw Error(ExitCode::usage, std::string("forge train needs --") + (data_name.empty() ? "data" : "model") +
                                     " (a plugin name, .so or .cpp); see forge train --help");

  // Compile (or load) both plugins at once: a cold compile takes tens of seconds each.
  auto data_future = std::async(std::launch::async, [&] { return prepare_plugin(data_name, PluginKind::data); });
  PreparedPlugin model_plugin = prepare_plugin(model_name, PluginKind::model);
  PreparedPlugin data_plugin = data_future.get();

  FlagSet flag_set = train_flag_set(data_plugin, model_plugin);
  if (help) {
    std::cout << usage << flag_set.help();
    return 0;
  }
  Flags flags = flag_set.parse(args, config);
  // --nproc_per_node N: this process starts the N data-parallel workers, which run this command.
  const WorkerLaunch launch = worker_launch_from(flags);
  if (should_launch_workers(launch)) return launch_workers(command_line, launch);
  if (flags.text("run_name").empty()) flags.set("run_name", default_run_name(data_plugin, model_plugin));
  const bool seed_drawn = flags.integer("seed") == -1;
  std::shared_ptr<DataParallelGroup> group = join_data_parallel_group(flags);  // null when training alone
  draw_seed_if_unset(flags);
  int threads = apply_process_settings(flags);

  // Everything that can fail on bad input happens before the run folder exists.
  LoadedRun run = load_run(data_plugin, model_plugin, flags);
  if (!run.data.has_dataset("train")) throw Error(ExitCode::data, "the data plugin returned no 'train' dataset");
  TrainSettings settings = train_settings(flags, run, group);
  share_initial_model(group.get(), *run.model);
  auto optimizer = make_optimizer_from_flags(flags, *run.model);

  // Data-parallel: rank 0 makes and records the run folder; the other ranks only train.
  if (!settings.writes_run()) {
    const std::string run_dir = group->share_text("run_dir", "");
    install_stop_handlers();
    return run_training(run_dir, run, settings, *optimizer, TrainingPosition{});
  }
  std::string run_dir = run_dir_given.empty() ? claim_run_dir(flags.text("checkpoint_dir"), flags.text("run_name"))
                                              : prepare_fresh_run_dir(run_dir_given);
  if (group) group->share_text("run_dir", run_dir);
  RunLock lock(run_dir);
  // From here a SIGINT or SIGTERM stops gracefully: the run folder exists and is recorded.
  install_stop_handlers();
  add_log_file(run_dir + "/log.txt");
  spdlog::info("run {}", run_dir);
  write_json_atomically(run_dir + "/flags.json", flags_to_json(flag_set, flags));
  json manifest = new_manifest(command_line, threads);
  manifest["plugins"] = {{"data", snapshot_plugin(run_dir, data_plugin.files)},
                         {"model", snapshot_plugin(run_dir, model_plugin.files)}};
  manifest["flush_denormal"] = flags.boolean("flush_denormal");
  manifest["deterministic"] = flags.boolean("deterministic");
  manifest["device"] = run.device.str();
  manifest["seed"] = {{"value", flags.integer("seed")}, {"drawn", seed_drawn}};
  manifest["world_size"] = settings.world_size();
  write_json_atomically(run_dir + "/manifest.json", manifest);
  return run_training(run_dir, run, settings, *optimizer, TrainingPosition{});
}

}  // namespace forge
