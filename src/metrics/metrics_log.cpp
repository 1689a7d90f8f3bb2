#include "metrics/metrics_log.hpp"

#include "core/atomic_file.hpp"
#include "runs/run_files.hpp"

#include <boost/filesystem.hpp>

#include <chrono>
#include <iomanip>
#include <sstream>

namespace forge {
namespace {
const char* header = "step,epoch,split,name,value,wall_time\n";
}

CsvMetricWriter::CsvMetricWriter(const std::string& run_dir) {
  std::string path = metrics_file(run_dir);
  bool fresh = !boost::filesystem::exists(path);
  csv_.open(path, std::ios::app);
  if (fresh) csv_ << header << std::flush;
}

void CsvMetricWriter::write(int64_t step, int64_t epoch, const std::string& split,
                            const std::map<std::string, double>& metrics) {
  double wall = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& [name, value] : metrics) {
    csv_ << step << ',' << epoch << ',' << split << ',' << name << ',' << std::setprecision(9) << value << ','
         << std::fixed << std::setprecision(3) << wall << std::defaultfloat << '\n';
  }
  csv_.flush();
}

void CsvMetricWriter::flush() { csv_.flush(); }

void truncate_metrics_after(const std::string& run_dir, int64_t step) {
  std::string path = metrics_file(run_dir);
  if (!boost::filesystem::exists(path)) return;
  std::istringstream lines(read_file(path));
  std::string line, kept;
  std::getline(lines, line);
  kept = line + "\n";
  while (std::getline(lines, line))
    if (!line.empty() && std::stoll(line.substr(0, line.find(','))) <= step) kept += line + "\n";
  write_file_atomically(path, kept);
}

std::vector<MetricRow> read_metrics(const std::string& run_dir) {
  std::vector<MetricRow> rows;
  std::string path = metrics_file(run_dir);
  if (!boost::filesystem::exists(path)) return rows;
  std::istringstream lines(read_file(path));
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string step, epoch, value, wall;
    MetricRow row;
    if (!std::getline(fields, step, ',') || !std::getline(fields, epoch, ',') ||
        !std::getline(fields, row.split, ',') || !std::getline(fields, row.name, ',') ||
        !std::getline(fields, value, ',') || !std::getline(fields, wall))
      continue;
    try {
      row.step = std::stoll(step);
      row.epoch = std::stoll(epoch);
      row.value = std::stod(value);
      row.wall_time = std::stod(wall);
    } catch (const std::exception&) {
      continue;
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace forge
