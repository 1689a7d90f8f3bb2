// The run's record (manifest.json): versions, command line, host, CPU, threads, start and end
// time, status (running / completed / failed / interrupted) and why, and the plugins used.
// Every change is written atomically, so a crash leaves the previous record intact.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace forge {

using json = nlohmann::json;

// Reads a JSON file. Throws Error(ExitCode::run) naming the file when it is unreadable or
// not JSON.
json read_json(const std::string& path);
void write_json_atomically(const std::string& path, const json& value);

std::string now_iso8601();

// The fields every manifest starts with: forge / libtorch / compiler versions, plugin ABI,
// command line, host, CPU model, thread count, start time, status "running".
json new_manifest(const std::vector<std::string>& command_line, int threads);

// Names this process (pid, host) as the one training the run.
void record_this_process(json& manifest);

// Sets status, reason and end time in <run_dir>/manifest.json.
void record_status(const std::string& run_dir, const std::string& status, const std::string& reason);

// Records in <run_dir>/manifest.json that the run completed at `step`, its end-of-run
// evaluation included ("evaluated_step"), and why it ended.
void record_completed(const std::string& run_dir, int64_t step, const std::string& reason);

// The step whose end-of-run evaluation `manifest` records as done, or -1. Manifests written
// before this record existed have none: their completion stands for it, at their progress step.
int64_t evaluated_step(const json& manifest);

// Records in <run_dir>/manifest.json (when there is one) how far the newest checkpoint got:
// its step, the epochs it completed, and the length asked for (--epochs, --max_steps; 0 = none).
void record_progress(const std::string& run_dir, int64_t step, int64_t epochs_done, int64_t epochs_asked,
                     int64_t max_steps);

}  // namespace forge
