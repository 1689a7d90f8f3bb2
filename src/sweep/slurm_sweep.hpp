// A sweep as one SLURM job array: <sweep dir>/job.sh, submitted with sbatch, whose task i runs
// `forge train ... --run_dir <point's folder>` (exec'd, so SLURM's signals reach forge): a task
// that is requeued or preempted continues its run. --signal=B:USR1@S makes forge checkpoint
// before the time limit.
#pragma once

#include "core/slurm_job.hpp"
#include "sweep/local_sweep.hpp"
#include "sweep/sweep_plan.hpp"
#include "sweep/sweep_record.hpp"

#include <map>
#include <string>
#include <vector>

namespace forge {

// Checks every value of a SLURM sweep that will reach its job script (each point's flags and
// label, the folder its runs go to, the #SBATCH options), before any run folder is made.
void check_slurm_sweep(const SweepPlan& plan, const SlurmOptions& options, const std::string& runs_folder);

// The job script for `points` (task i runs points[i]); `throttle` > 0 limits the tasks running
// at once (--array=0-N%throttle). Every value is checked (check_job_script_value) and quoted:
// #SBATCH values in double quotes, which sbatch strips, shell words in single quotes.
std::string slurm_job_script(const std::string& sweep_dir, const std::string& sweep_id,
                             const std::vector<PointToRun>& points, const SlurmOptions& options, int throttle,
                             const std::string& forge, const std::string& working_dir);

// Writes the job script, submits it, and records the job id and its tasks' points in the
// sweep record. Throws Error(ExitCode::failure) with sbatch's message when it refuses.
void submit_slurm_array(SweepRecord& record, const std::vector<PointToRun>& points, const SlurmOptions& options,
                        int throttle);

// SLURM's state (PENDING, RUNNING...) of each point whose task of the newest submission is
// still in the queue (squeue); points whose task left the queue are absent.
std::map<size_t, std::string> slurm_task_states(const SweepRecord& record);

}  // namespace forge
