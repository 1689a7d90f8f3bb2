// Which checkpoint of a run a command works on: the newest intact one, the one --keep_best kept,
// or a step the user names. Shared by eval, export and the public API (forge/run.hpp).
#pragma once

#include "runs/checkpoint_frame.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace forge {

// A checkpoint chosen for a command: its step (-1: none), and its contents when choosing it
// meant reading it whole (checking that the newest is intact is reading it), so that nothing
// reads a checkpoint twice.
struct ChosenCheckpoint {
  int64_t step = -1;
  std::shared_ptr<const CheckpointContents> contents;  // null: not read yet
};

// Newest checkpoint of the run that passes its integrity check, read; step -1 when there is
// none. Broken newer ones are reported with a warning and skipped.
ChosenCheckpoint newest_valid_checkpoint(const std::string& run_dir);

// The step `asked` names: "" for the newest intact checkpoint, "best" for the one --keep_best
// kept, or a step number. Throws Error(ExitCode::usage) for a malformed value and
// Error(ExitCode::run) naming the run and what it has when there is no such checkpoint.
// `purpose` completes "no intact checkpoint to ...", e.g. "evaluate".
ChosenCheckpoint choose_checkpoint(const std::string& run_dir, const std::string& asked, const std::string& purpose);

}  // namespace forge
