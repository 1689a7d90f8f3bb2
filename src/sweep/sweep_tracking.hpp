// A sweep as a tracking server shows it: one parent MLflow run (tracking/parent_run.hpp) whose
// params are the axes, its points' runs under it.
#pragma once

#include "sweep/sweep_record.hpp"
#include "tracking/parent_run.hpp"

namespace forge {

ParentRun sweep_parent_run(const SweepRecord& record);

}  // namespace forge
