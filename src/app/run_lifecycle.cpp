#include "app/run_lifecycle.hpp"

#include "app/run_flags.hpp"
#include "core/logging.hpp"
#include "runs/checkpoint_files.hpp"
#include "runs/manifest.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_dir.hpp"
#include "runs/run_files.hpp"
#include "train/data_parallel.hpp"
#include "train/stop_signals.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

// Whether `dir` holds only what a start of forge train that died before writing the manifest
// leaves behind: such a folder may be started again.
bool holds_only_a_failed_start(const std::string& dir) {
  for (const auto& entry : fs::directory_iterator(dir))
    if (!is_run_start_file(entry.path().filename().string())) return false;
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

Manifest first_manifest(const NewRun& run, const std::string& dir) {
  Manifest manifest = new_manifest(run.command_line, run.threads);
  manifest.plugins = {{"data", snapshot_plugin(dir, run.data)}, {"model", snapshot_plugin(dir, run.model)}};
  manifest.flush_denormal = run.flags.boolean("flush_denormal");
  manifest.deterministic = run.flags.boolean("deterministic");
  manifest.device = run.device;
  manifest.workers = run.workers;
  manifest.seed = SeedRecord{run.flags.integer("seed"), run.seed_drawn};
  manifest.world_size = run.group ? run.group->size() : 1;
  return manifest;
}

// Leftovers of writes a killed process never finished (see write_file_atomically).
void remove_stale_temp_files(const std::string& run_dir) {
  for (const bool in_checkpoints : {false, true}) {
    const fs::path dir = in_checkpoints ? checkpoints_folder(run_dir) : run_dir;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir))
      if (fs::symlink_status(entry.path()).type() == fs::regular_file &&
          is_stale_temporary_file(entry.path().filename().string(), in_checkpoints))
        fs::remove(entry.path());
  }
}

}  // namespace

OpenRun start_run(const NewRun& run) {
  OpenRun open;
  if (run.group && run.group->rank() != 0) {
    open.dir = run.group->share_text("run_dir", "");
    install_stop_handlers();
    return open;
  }
  open.dir = run.run_dir_given.empty() ? claim_run_dir(run.flags.text("checkpoint_dir"), run.flags.text("run_name"))
                                       : prepare_fresh_run_dir(run.run_dir_given);
  if (run.group) run.group->share_text("run_dir", open.dir);
  open.lock = std::make_unique<RunLock>(open.dir);
  install_stop_handlers();
  add_log_file(log_file(open.dir));
  spdlog::info("run {}", open.dir);
  write_saved_flags(open.dir, run.flag_set, run.flags);
  write_manifest(open.dir, first_manifest(run, open.dir));
  return open;
}

void reopen_run(const ReopenedRun& run) {
  const std::string& dir = run.saved.dir;
  add_log_file(log_file(dir));
  remove_stale_temp_files(dir);
  for (int64_t step : set_aside_checkpoints_after(dir, run.from_step))
    spdlog::warn("{}: set aside as .corrupt (it failed its integrity check)", checkpoint_path(dir, step));
  truncate_metrics_after(dir, std::max<int64_t>(run.from_step, 0));
  write_saved_flags(dir, run.flag_set, run.flags);
  Manifest& manifest = run.saved.manifest;
  manifest.status = "running";
  manifest.reason = "";
  manifest.ended = "";
  record_this_process(manifest);
  manifest.resumes.push_back({now_iso8601(), run.command_line, run.from_step, run.threads, run.workers, run.forced});
  manifest.device = run.device;
  manifest.world_size = run.world_size;
  write_manifest(dir, manifest);
}

}  // namespace forge
