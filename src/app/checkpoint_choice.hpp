// Which checkpoint of a run a command works on: the newest intact one, the one --keep_best kept,
// or a step the user names. Shared by eval, export and the public API (forge/run.hpp).
#pragma once

#include <cstdint>
#include <string>

namespace forge {

// Newest checkpoint of the run that passes its integrity check; -1 when there is none. Broken
// newer ones are reported with a warning and skipped.
int64_t newest_valid_checkpoint(const std::string& run_dir);

// The step `asked` names: "" for the newest intact checkpoint, "best" for the one --keep_best
// kept, or a step number. Throws Error(ExitCode::usage) for a malformed value and
// Error(ExitCode::run) naming the run and what it has when there is no such checkpoint.
// `purpose` completes "no intact checkpoint to ...", e.g. "evaluate".
int64_t choose_checkpoint(const std::string& run_dir, const std::string& asked, const std::string& purpose);

}  // namespace forge
