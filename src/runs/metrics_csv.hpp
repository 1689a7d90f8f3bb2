// metrics.csv in the run folder, as `forge runs`, `show`, `report` and a resume read it: one row
// per scalar (step, epoch, split, name, value, wall_time), written as training goes by
// metrics/metrics_log.hpp's CsvMetricWriter.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace forge {

// The file's first line.
inline constexpr const char* metrics_csv_header = "step,epoch,split,name,value,wall_time";

// One row of metrics.csv.
struct MetricRow {
  int64_t step = 0;
  int64_t epoch = 0;
  std::string split, name;
  double value = 0;
  double wall_time = 0;
};

// The rows of <run_dir>/metrics.csv in file order; none when it is missing. Rows that do not
// parse (a line torn by a crash) are skipped.
std::vector<MetricRow> read_metrics(const std::string& run_dir);

// The rows of the complete lines (ending in a newline) of <run_dir>/metrics.csv from byte
// `offset` on, which it moves past them: reading a file that training is appending to, a
// line still being written is left for the next call. Offset 0 starts at the header.
std::vector<MetricRow> read_new_metrics(const std::string& run_dir, uint64_t& offset);

// Drops rows after `step` from <run_dir>/metrics.csv: they belong to work a resumed run is
// about to redo. (TensorBoard's copies are dropped by the resumed session's START event.)
// Lines that do not parse — a tail torn by a crash mid-write — are dropped with a warning.
void truncate_metrics_after(const std::string& run_dir, int64_t step);

}  // namespace forge
