// Every file and folder name of a run folder, made in one place (as leveldb's db/filename.h
// does for a database): nothing else in forge concatenates a run folder's paths.
//
//   <run>/manifest.json                the run's record (runs/manifest.hpp)
//   <run>/flags.json                   every resolved flag value
//   <run>/log.txt                      the log
//   <run>/metrics.csv                  metric rows; TensorBoard event files beside it
//   <run>/evals.json                   what forge eval measured
//   <run>/model.json                   the model's modules and sizes (runs/model_record.hpp)
//   <run>/.lock                        held by the process training the run
//   <run>/sweep_point.json             the sweep point a run of a sweep trains
//   <run>/tracking.json                what each MLflow server has of the run (tracking/)
//   <run>/checkpoints/step-N.ckpt      checkpoints (runs/checkpoint_files.hpp lists them)
//   <run>/plugins/<role>/<name>.so     the plugin libraries the run used
//   <run>/plugins/<role>/src/...       their sources and local headers
//   <run>/plugins/<role>/git.diff      uncommitted changes of their repository
#pragma once

#include <cstdint>
#include <string>

namespace forge {

std::string manifest_file(const std::string& run_dir);
std::string flags_file(const std::string& run_dir);
std::string log_file(const std::string& run_dir);
std::string metrics_file(const std::string& run_dir);
std::string tensorboard_folder(const std::string& run_dir);
std::string evals_file(const std::string& run_dir);
std::string model_summary_file(const std::string& run_dir);
std::string lock_file(const std::string& run_dir);
std::string sweep_point_file(const std::string& run_dir);
// Also in a sweep's or search's folder, for its parent run.
std::string tracking_file(const std::string& folder);
std::string checkpoints_folder(const std::string& run_dir);
std::string checkpoint_path(const std::string& run_dir, int64_t step);
// The step of a checkpoint file named `name` (exactly as checkpoint_path names it); -1 for
// any other name.
int64_t parse_checkpoint_name(const std::string& name);
// The weights a fine-tuned run started from (--init_from, --init_weights), kept as a checkpoint.
std::string initial_weights_file(const std::string& run_dir);
// The tables of an evaluation's whole-set metrics: tables/<split>/<name>-step-NNNNNNNN.csv.
std::string tables_folder(const std::string& run_dir);
std::string table_path(const std::string& run_dir, const std::string& split, const std::string& name, int64_t step);
// What the model drew at each epoch's end (Model::epoch_images): images/<name>/epoch-NNNN.png.
std::string images_folder(const std::string& run_dir);
std::string image_path(const std::string& run_dir, const std::string& name, int64_t epoch);

// A plugin's folder, and its library as the manifest records it: relative to the run folder.
std::string plugin_folder(const std::string& run_dir, const std::string& role);
std::string plugin_library_in_run(const std::string& role, const std::string& name);
std::string plugin_sources_folder(const std::string& run_dir, const std::string& role);
std::string git_diff_file(const std::string& run_dir, const std::string& role);

// Whether `name` is a file or folder that starting a run writes before its manifest: a folder
// holding only such names is a start that died early, and may be started again.
bool is_run_start_file(const std::string& name);

// Whether the file `name` in a run folder (or, `in_checkpoints`, in its checkpoints folder) is
// the temporary file of an atomic write (core/atomic_file.hpp) of a file forge writes there — a
// leftover of a killed process — and nothing else: a user's notes.tmp.txt is no such file.
bool is_stale_temporary_file(const std::string& name, bool in_checkpoints);

}  // namespace forge
