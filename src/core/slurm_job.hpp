// What every SLURM batch job forge submits shares (a sweep's job array, a search's segments):
// the options users give (--slurm_partition, --slurm_time...), their #SBATCH lines, values made
// safe for a job script, and sbatch itself.
#pragma once

#include <string>

namespace forge {

struct SlurmOptions {
  std::string partition, time, mem, extra;
  int cpus_per_task = 0;  // 0: SLURM's default
  int signal_seconds = 120;
  bool requeue = false;
};

// Throws Error(ExitCode::usage) naming `what` when `value` cannot go into a job script: a
// control character (a newline would become shell code on the compute nodes), or, for an
// #SBATCH value, a double quote (sbatch has no way to escape one).
void check_job_script_value(const std::string& value, const std::string& what, bool sbatch_directive = false);

// Single-quoted for bash: safe for any text.
std::string shell_quoted(const std::string& text);

// An #SBATCH option's value, checked and in the double quotes sbatch strips.
std::string sbatch_value(const std::string& value, const std::string& what);

// The #SBATCH lines of `options`: signal, requeue, partition, time, cpus, memory.
std::string sbatch_option_lines(const SlurmOptions& options);

// Submits the job script `script_path` (sbatch --parsable, with --slurm_extra's words) and returns
// the job id. Throws Error(ExitCode::failure) with sbatch's last line when it refuses `what`.
std::string submit_batch_script(const std::string& script_path, const SlurmOptions& options, const std::string& what);

}  // namespace forge
