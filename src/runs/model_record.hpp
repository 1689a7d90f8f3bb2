// <run>/model.json: the model a run trained, as a table of its modules (name, type, the shapes
// of their own parameters and buffers, trainable or frozen) with totals, written when training
// starts (train/model_summary.hpp makes it from the module) and read by `forge show` without
// loading the run: the Python tool's print_num_params and print_variables_by_scope, kept.
#pragma once

#include "core/json_file.hpp"

#include <cstdint>
#include <string>

namespace forge {

// The summary as text: one line of totals, then a table of the modules at most `depth` deep
// (1: the top-level ones; 0: every one), each with the parameters it holds, itself and below,
// and the shapes of its own tensors.
std::string model_summary_text(const json& summary, int64_t depth);

// The run's model.json; nullopt-like null json when the run has none (a run of a forge before
// it). Throws Error(ExitCode::run) naming the file when it is there but not JSON.
json read_model_summary(const std::string& run_dir);

}  // namespace forge
