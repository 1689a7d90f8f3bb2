#include "metrics/metrics_log.hpp"

#include "core/atomic_file.hpp"

#include <boost/filesystem.hpp>

#include <chrono>
#include <iomanip>
#include <sstream>

namespace forge {
namespace {
const char* header = "step,epoch,split,name,value,wall_time\n";
}

MetricsLog::MetricsLog(const std::string& run_dir) {
  std::string path = run_dir + "/metrics.csv";
  bool fresh = !boost::filesystem::exists(path);
  out_.open(path, std::ios::app);
  if (fresh) out_ << header << std::flush;
}

void MetricsLog::write(int64_t step, int64_t epoch, const std::string& split,
                       const std::map<std::string, double>& metrics) {
  double wall = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& [name, value] : metrics)
    out_ << step << ',' << epoch << ',' << split << ',' << name << ',' << std::setprecision(9) << value << ','
         << std::fixed << std::setprecision(3) << wall << std::defaultfloat << '\n';
  out_.flush();
}

void MetricsLog::truncate_after(const std::string& run_dir, int64_t step) {
  std::string path = run_dir + "/metrics.csv";
  if (!boost::filesystem::exists(path)) return;
  std::istringstream lines(read_file(path));
  std::string line, kept;
  std::getline(lines, line);
  kept = line + "\n";
  while (std::getline(lines, line))
    if (!line.empty() && std::stoll(line.substr(0, line.find(','))) <= step) kept += line + "\n";
  write_file_atomically(path, kept);
}

}  // namespace forge
