// A run's flags: the parser over forge's flags and its two plugins', and flags.json, the
// record of every resolved value that resume, eval and the API read back.
#pragma once

#include "app/prepared_plugin.hpp"
#include "core/flag_set.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace forge {

// forge's flags followed by the data and the model plugin's.
FlagSet train_flag_set(const PreparedPlugin& data, const PreparedPlugin& model);

// The run's flags.json as Flags, over forge's defaults: a run recorded before a flag existed
// ran as its default does. Throws Error(ExitCode::run) when the file is unreadable.
Flags read_saved_flags(const std::string& run_dir);

// Writes `flags` to the run's flags.json, typed as `set` declares them.
void write_saved_flags(const std::string& run_dir, const FlagSet& set, const Flags& flags);

// The JSON form of `flags`, typed as `set` declares them.
nlohmann::json flags_to_json(const FlagSet& set, const Flags& flags);

}  // namespace forge
