// What a sweep leaves on disk, so that launching it again continues it:
//   <checkpoint_dir>/<run_name>/sweeps/<id>/sweep.json   the command, the axes, and which run
//                                                        folder belongs to which point
//   <run folder>/sweep_point.json                        in each point's run: sweep id, point, hash
// A point's run folder is claimed (created, numbered like any run) and labelled before its
// training starts; found again by the sweep record or, failing that, by the label.
#pragma once

#include "sweep/sweep_plan.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace forge {

// A point's values ({"lr": "1e-3", "n_hidden": "128"}) as "lr=1e-3 n_hidden=128"; "" for none.
std::string point_text(const nlohmann::json& values);

struct SweepRecord {
  std::string dir;  // <checkpoint_dir>/<run_name>/sweeps/<id>
  nlohmann::json json;
};

// The sweep's folder for `plan` under <checkpoint_dir>/<run_name>.
std::string sweep_dir(const std::string& checkpoint_dir, const std::string& run_name, const SweepPlan& plan);

// Opens the sweep's record, or starts one (written at once) for `plan` run by `launcher`.
SweepRecord open_sweep_record(const std::string& dir, const SweepPlan& plan, const std::vector<std::string>& command,
                              const std::string& launcher);

// Reads an existing sweep: `path` is its folder or its sweep.json. Throws Error(ExitCode::run).
SweepRecord read_sweep_record(const std::string& path);

void save_sweep_record(const SweepRecord& record);

// The run folder of point `index`: the recorded one, else a folder under <checkpoint_dir>/
// <run_name> labelled with the point's hash, else a newly claimed and labelled one. Records it.
std::string point_run_dir(SweepRecord& record, const SweepPlan& plan, size_t index, const std::string& checkpoint_dir,
                          const std::string& run_name);

// Point `index`'s run folder as a path from here: as recorded (relative to where the sweep was
// launched) when that is a run folder, else the folder of that name beside the sweep's
// sweeps/ folder, where points are made; "" when the point has none yet.
std::string point_run_folder(const SweepRecord& record, size_t index);

// "completed", "running", "interrupted", "failed", "crashed" (forge runs' statuses), or
// "pending" for a folder whose training has not started (or died before it wrote its manifest).
std::string point_status(const std::string& run_dir);

}  // namespace forge
