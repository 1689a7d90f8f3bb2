// A search as the tools teams look at show it. In MLflow: one parent run (tracking/
// parent_run.hpp) whose params are its space, sampler, scheduler and metric, its trials' runs
// under it. In TensorBoard's HParams view (`tensorboard --logdir <study folder>`): the study's
// folder holds the experiment (each dimension with its domain, the metrics its trials
// recorded); its trials' run folders, below it, carry their flags and status.
#pragma once

#include "search/study.hpp"
#include "tracking/parent_run.hpp"

namespace forge {

ParentRun study_parent_run(const Study& study);

// Writes the experiment anew. A failure is a warning: the search's runs are what matters.
void write_study_hparams(const Study& study);

}  // namespace forge
