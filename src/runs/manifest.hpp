// The run's record (manifest.json), as a typed struct read and written in one place (as
// leveldb's VersionEdit is): versions, command line, host, CPU, threads, start and end time,
// status (running / completed / failed / interrupted / crashed) and why, the plugins used, the
// newest checkpoint's progress, and every resume. Keys this forge does not know (a newer
// forge's) are kept when it rewrites the file. Every change is written atomically, so a crash
// leaves the previous record intact.
#pragma once

#include "core/json_file.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace forge {

// The repository a plugin's source came from.
struct GitRecord {
  std::string root, commit;
  bool dirty = false;  // uncommitted changes, saved as plugins/<role>/git.diff
};

// A plugin as the run saved it (runs/snapshot.hpp).
struct PluginRecord {
  std::string name;                  // the library's stem, e.g. "mlp"
  std::string given;                 // as named on the command line
  std::string library;               // relative to the run folder
  std::string sha1;                  // of the library when it was saved
  std::string source;                // relative to plugins/<role>/src; "" when none was saved
  std::vector<std::string> sources;  // its local headers, likewise
  std::string source_origin;         // where the source was
  std::optional<GitRecord> git;
  json unknown = json::object();
};

struct SeedRecord {
  int64_t value = 0;
  bool drawn = false;  // forge drew it (--seed -1)
};

// How far the newest checkpoint got, and the length asked for.
struct ProgressRecord {
  int64_t step = 0;
  int64_t epochs_done = 0;
  int64_t epochs = 0;     // --epochs
  int64_t max_steps = 0;  // --max_steps; 0: none
};

struct ResumeRecord {
  std::string started;
  std::vector<std::string> command_line;
  int64_t from_step = -1;  // -1: no intact checkpoint, trained from the start
  int64_t threads = 0;
  std::optional<int64_t> workers;   // loader threads (--workers resolved); absent before forge had them
  std::vector<std::string> forced;  // differences --force accepted
};

// A data-parallel group started again by its launcher (--max_restarts) after a rank died.
struct RestartRecord {
  std::string time;
  int64_t rank = 0;
  std::string exit;         // "was killed by signal 9", "exited with code 1"
  int64_t after_step = -1;  // the last step the run recorded before it (-1: none)
  int64_t from_step = -1;   // the checkpoint it continues from (-1: none, from the start)
};

struct Manifest {
  std::string forge_version, libtorch_version, compiler;
  std::optional<std::string> cuda_version;  // "" for a CPU-only libtorch; absent before forge recorded it
  int64_t plugin_abi = 0;
  std::vector<std::string> command_line;
  std::string host, cpu;
  int64_t pid = 0;  // of the process that trains (or trained) the run
  int64_t threads = 0;
  std::optional<int64_t> workers;  // loader threads (--workers resolved); absent before forge had them
  std::string started;
  std::string ended;  // "" while running
  std::string status = "running";
  std::string reason;
  std::map<std::string, PluginRecord> plugins;  // "data" and "model"
  std::optional<bool> flush_denormal, deterministic;
  std::string device;
  std::optional<SeedRecord> seed;
  int64_t world_size = 1;  // data-parallel processes
  std::optional<ProgressRecord> progress;
  // The step whose end-of-run evaluation is done; absent in manifests written before this
  // record existed (see evaluated_step()).
  std::optional<int64_t> evaluated_step;
  std::vector<ResumeRecord> resumes;
  std::vector<RestartRecord> restarts;
  json unknown = json::object();  // keys this forge does not know, written back as found
};

json to_json(const Manifest& manifest);
// Throws Error(ExitCode::run) when a known key holds a value of another type.
Manifest manifest_from_json(const json& value);

// <run_dir>/manifest.json. Throws Error(ExitCode::run) naming the file when it is unreadable,
// not JSON, or damaged.
Manifest read_manifest(const std::string& run_dir);
void write_manifest(const std::string& run_dir, const Manifest& manifest);

std::string now_iso8601();

// The fields every manifest starts with: forge / libtorch / CUDA / compiler versions, plugin ABI,
// command line, host, CPU model, thread count, start time, status "running", this process.
Manifest new_manifest(const std::vector<std::string>& command_line, int threads);

// Names this process (pid, host) as the one training the run.
void record_this_process(Manifest& manifest);

// Sets status, reason and end time in <run_dir>/manifest.json.
void record_status(const std::string& run_dir, const std::string& status, const std::string& reason);

// Adds a restart of the run's data-parallel group to <run_dir>/manifest.json.
void record_restart(const std::string& run_dir, const RestartRecord& restart);

// Records in <run_dir>/manifest.json that the run completed at `step`, its end-of-run
// evaluation included, and why it ended.
void record_completed(const std::string& run_dir, int64_t step, const std::string& reason);

// The step whose end-of-run evaluation `manifest` records as done, or -1. Manifests written
// before this record existed have none: their completion stands for it, at their progress step.
int64_t evaluated_step(const Manifest& manifest);

// Records in <run_dir>/manifest.json (when there is one) how far the newest checkpoint got:
// its step, the epochs it completed, and the length asked for (--epochs, --max_steps; 0 = none).
void record_progress(const std::string& run_dir, int64_t step, int64_t epochs_done, int64_t epochs_asked,
                     int64_t max_steps);

}  // namespace forge
