// Fine-tuning as train and resume see it: the weights --init_from (a run's checkpoint) or
// --init_weights (a file) name, applied to a new run's model and kept in its folder; --freeze
// applied on every start, so a resumed run freezes what it froze.
#pragma once

#include "core/flag_set.hpp"
#include "train/initial_weights.hpp"

#include <forge/model.hpp>

#include <optional>
#include <string>

namespace forge {

// Reads what --init_from RUN_DIR[:CHECKPOINT] (CHECKPOINT: a step or best; default the newest)
// or --init_weights FILE names, renames it (--init_rename), leaves out what does not fit
// (--init_skip_mismatched), applies it to the model (--init_strict) and freezes what
// --freeze names; returns the weights for keep_initial_weights, as applied (nullopt: neither
// flag), so a run resumed from its start applies its copy as it is. Throws
// Error before any run folder is made: usage for both flags at once or a bad --freeze, run for
// weights that cannot be read or do not fit.
std::optional<InitialWeights> prepare_fine_tuning(const Flags& flags, Model& model);

// Keeps a copy of the weights in the new run's folder.
void keep_initial_weights(const std::string& run_dir, const InitialWeights& weights);

// A resumed run: --freeze again, and when it has no checkpoint to resume from (`from_start`),
// its copy of the initial weights.
void resume_fine_tuning(const std::string& run_dir, const Flags& flags, Model& model, bool from_start);

}  // namespace forge
