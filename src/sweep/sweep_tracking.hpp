// A sweep as the tools teams look at show it. In MLflow: one parent run (tracking/
// parent_run.hpp) whose params are the axes, its points' runs under it. In TensorBoard's
// HParams view (`tensorboard --logdir <sweep folder>`): the sweep's folder holds the
// experiment (each axis with its values, the metrics its points recorded) and a link per point
// to its run folder, points/<index>, whose event files carry the run's flags and status.
#pragma once

#include "sweep/sweep_record.hpp"
#include "tracking/parent_run.hpp"

namespace forge {

ParentRun sweep_parent_run(const SweepRecord& record);

// Writes the experiment and the points' links anew (from the record and the points' runs).
// A failure is a warning: the sweep's runs are what matters.
void write_sweep_hparams(const SweepRecord& record);

}  // namespace forge
