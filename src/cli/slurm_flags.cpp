#include "cli/slurm_flags.hpp"

#include <forge/error.hpp>

namespace forge {

std::vector<FlagSpec> slurm_flag_specs() {
  return {text_flag("slurm_partition", "", "sbatch --partition"),
          text_flag("slurm_time", "", "sbatch --time (e.g. 2:00:00)"),
          integer_flag("slurm_cpus_per_task", 0, "sbatch --cpus-per-task (0: SLURM's default)"),
          text_flag("slurm_mem", "", "sbatch --mem (e.g. 8G)"),
          text_flag("slurm_extra", "", "more sbatch options, as one string"),
          integer_flag("slurm_signal_seconds", 120, "SIGUSR1 this long before the time limit: forge checkpoints"),
          bool_flag("slurm_requeue", false, "requeue a preempted job; it resumes from its checkpoint")};
}

int count_flag(const Flags& flags, const std::string& name, int64_t least) {
  const int64_t value = flags.integer(name);
  if (value < least || value > 1000000)
    throw Error(ExitCode::usage, "invalid value '" + std::to_string(value) + "' for --" + name +
                                     ": expected a whole number of at least " + std::to_string(least));
  return int(value);
}

SlurmOptions slurm_options(const Flags& flags) {
  SlurmOptions options;
  options.partition = flags.text("slurm_partition");
  options.time = flags.text("slurm_time");
  options.cpus_per_task = count_flag(flags, "slurm_cpus_per_task", 0);
  options.mem = flags.text("slurm_mem");
  options.extra = flags.text("slurm_extra");
  options.signal_seconds = count_flag(flags, "slurm_signal_seconds", 1);
  options.requeue = flags.boolean("slurm_requeue");
  check_job_script_value(options.partition, "--slurm_partition", true);
  check_job_script_value(options.time, "--slurm_time", true);
  check_job_script_value(options.mem, "--slurm_mem", true);
  return options;
}

}  // namespace forge
