// A search as a tracking server shows it: one parent MLflow run (tracking/parent_run.hpp) whose
// params are its space, sampler, scheduler and metric, its trials' runs under it.
#pragma once

#include "search/study.hpp"
#include "tracking/parent_run.hpp"

namespace forge {

ParentRun study_parent_run(const Study& study);

}  // namespace forge
