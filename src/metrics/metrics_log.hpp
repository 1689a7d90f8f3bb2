// metrics.csv in the run folder: one row per scalar (step, epoch, split, name, value,
// wall_time), written by a MetricSink and read back by `forge runs`, `show` and `report`. The
// metrics a model's step or eval_step returns (its own included) arrive here like forge's.
#pragma once

#include "metrics/metric_sink.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace forge {

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

// Drops rows after `step` from <run_dir>/metrics.csv: they belong to work a resumed run is
// about to redo. (TensorBoard's copies are dropped by the resumed session's START event.)
// Lines that do not parse — a tail torn by a crash mid-write — are dropped with a warning.
void truncate_metrics_after(const std::string& run_dir, int64_t step);

class CsvMetricWriter : public MetricSink {
 public:
  // Opens <run_dir>/metrics.csv for appending, writing the header when the file is new.
  // Throws Error(ExitCode::failure) naming the file and the system's reason.
  explicit CsvMetricWriter(const std::string& run_dir);
  ~CsvMetricWriter() override;
  CsvMetricWriter(const CsvMetricWriter&) = delete;
  CsvMetricWriter& operator=(const CsvMetricWriter&) = delete;

  // Each call's rows reach the file (one write) before it returns. Throws
  // Error(ExitCode::failure) naming the file and the system's reason (a full disk, say): a
  // row that cannot be written stops the run rather than go missing.
  void write(int64_t step, int64_t epoch, const std::string& split,
             const std::map<std::string, double>& metrics) override;
  void flush() override;

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace forge
