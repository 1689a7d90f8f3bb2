// A CSV file of scalars, one row each (step, epoch, split, name, value, wall_time): the run
// folder's metrics.csv, which runs/metrics_csv.hpp reads back. The metrics a model's step or
// eval_step returns (its own included) arrive here like forge's.
#pragma once

#include "metrics/metric_sink.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace forge {

class CsvMetricWriter : public MetricSink {
 public:
  // Opens the file at `path` for appending, writing `header` as its first line when it is new.
  // Throws Error(ExitCode::failure) naming the file and the system's reason.
  CsvMetricWriter(std::string path, const std::string& header);
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
