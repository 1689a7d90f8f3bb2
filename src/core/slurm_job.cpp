#include "core/slurm_job.hpp"

#include "core/process.hpp"

#include <forge/error.hpp>

#include <sstream>
#include <vector>

namespace forge {

void check_job_script_value(const std::string& value, const std::string& what, bool sbatch_directive) {
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f)
      throw Error(ExitCode::usage, what + " holds a control character (a newline?), which a SLURM job script " +
                                       "cannot carry safely; remove it");
  if (sbatch_directive && value.find('"') != std::string::npos)
    throw Error(ExitCode::usage, what + " holds a double quote, which an #SBATCH line cannot carry; remove it");
}

std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string sbatch_value(const std::string& value, const std::string& what) {
  check_job_script_value(value, what, true);
  return "\"" + value + "\"";
}

std::string sbatch_option_lines(const SlurmOptions& options) {
  std::ostringstream lines;
  lines << "#SBATCH --signal=B:USR1@" << options.signal_seconds << "\n"
        << (options.requeue ? "#SBATCH --requeue\n" : "#SBATCH --no-requeue\n");
  if (!options.partition.empty())
    lines << "#SBATCH --partition=" << sbatch_value(options.partition, "--slurm_partition") << "\n";
  if (!options.time.empty()) lines << "#SBATCH --time=" << sbatch_value(options.time, "--slurm_time") << "\n";
  if (options.cpus_per_task > 0) lines << "#SBATCH --cpus-per-task=" << options.cpus_per_task << "\n";
  if (!options.mem.empty()) lines << "#SBATCH --mem=" << sbatch_value(options.mem, "--slurm_mem") << "\n";
  return lines.str();
}

std::string submit_batch_script(const std::string& script_path, const SlurmOptions& options, const std::string& what) {
  std::vector<std::string> command{"sbatch", "--parsable"};
  std::istringstream extra(options.extra);
  for (std::string word; extra >> word;) command.push_back(word);
  command.push_back(script_path);
  ProcessResult submitted = run_process(command);
  std::string output = submitted.output;
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  const std::string last = output.substr(output.rfind('\n') == std::string::npos ? 0 : output.rfind('\n') + 1);
  if (submitted.exit_status != 0)
    throw Error(ExitCode::failure,
                "sbatch refused " + what + ": " +
                    (last.empty() ? std::string("it could not be run (is SLURM installed?)") : last));
  return last.substr(0, last.find(';'));  // --parsable prints "jobid" or "jobid;cluster"
}

}  // namespace forge
