#include "runs/metrics_csv.hpp"

#include "core/atomic_file.hpp"
#include "runs/run_files.hpp"

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace forge {
namespace {

template <class Number, class Parse>
bool parse_whole(const std::string& text, Number& out, Parse parse) {
  try {
    size_t used = 0;
    out = parse(text, &used);
    return used == text.size() && !text.empty();
  } catch (const std::exception&) {
    return false;
  }
}

// One row of metrics.csv, every field complete; false for a torn or damaged line.
bool parse_row(const std::string& line, MetricRow& row) {
  std::istringstream fields(line);
  std::string step, epoch, value, wall;
  if (!std::getline(fields, step, ',') || !std::getline(fields, epoch, ',') || !std::getline(fields, row.split, ',') ||
      !std::getline(fields, row.name, ',') || !std::getline(fields, value, ',') || !std::getline(fields, wall) ||
      !fields.eof())
    return false;
  auto to_int = [](const std::string& t, size_t* used) { return std::stoll(t, used); };
  auto to_real = [](const std::string& t, size_t* used) { return std::stod(t, used); };
  return !row.split.empty() && !row.name.empty() && parse_whole(step, row.step, to_int) &&
         parse_whole(epoch, row.epoch, to_int) && parse_whole(value, row.value, to_real) &&
         parse_whole(wall, row.wall_time, to_real);
}

}  // namespace

void truncate_metrics_after(const std::string& run_dir, int64_t step) {
  const std::string path = metrics_file(run_dir);
  if (!boost::filesystem::exists(path)) return;
  std::istringstream lines(read_file(path));
  std::string line, kept = std::string(metrics_csv_header) + "\n";
  std::getline(lines, line);  // the header
  int64_t dropped = line == metrics_csv_header ? 0 : 1;
  MetricRow row;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (!parse_row(line, row))
      ++dropped;
    else if (row.step <= step)
      kept += line + "\n";
  }
  if (dropped > 0)
    spdlog::warn("{}: dropped {} torn or unreadable line(s), left by a crash in the middle of a write", path, dropped);
  write_file_atomically(path, kept);
}

std::vector<MetricRow> read_metrics(const std::string& run_dir) {
  std::vector<MetricRow> rows;
  std::string path = metrics_file(run_dir);
  if (!boost::filesystem::exists(path)) return rows;
  std::istringstream lines(read_file(path));
  std::string line;
  std::getline(lines, line);  // the header
  MetricRow row;
  while (std::getline(lines, line))
    if (parse_row(line, row)) rows.push_back(row);
  return rows;
}

std::vector<MetricRow> read_new_metrics(const std::string& run_dir, uint64_t& offset) {
  std::vector<MetricRow> rows;
  std::ifstream in(metrics_file(run_dir), std::ios::binary);
  if (!in) return rows;
  in.seekg(0, std::ios::end);
  const auto size = uint64_t(std::streamoff(in.tellg()));
  if (size <= offset) return rows;
  std::string text(size - offset, '\0');
  in.seekg(std::streamoff(offset));
  in.read(text.data(), std::streamsize(text.size()));
  text.resize(size_t(in.gcount()));
  const size_t complete = text.rfind('\n');
  if (complete == std::string::npos) return rows;
  std::istringstream lines(text.substr(0, complete + 1));
  std::string line;
  if (offset == 0) std::getline(lines, line);  // the header
  MetricRow row;
  while (std::getline(lines, line))
    if (parse_row(line, row)) rows.push_back(row);
  offset += complete + 1;
  return rows;
}

}  // namespace forge
