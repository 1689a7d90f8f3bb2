// JSON files of forge's own (manifest.json, flags.json, evals.json, sweep.json): read whole,
// written atomically.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace forge {

using json = nlohmann::json;

// Reads a JSON file. Throws Error(ExitCode::run) naming the file when it is unreadable or
// not JSON.
json read_json(const std::string& path);

// Replaces `path` with `value`, indented (core/atomic_file.hpp).
void write_json_atomically(const std::string& path, const json& value);

}  // namespace forge
