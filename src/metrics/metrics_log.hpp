// Where every scalar of a run goes: metrics.csv in the run folder (step, epoch, split, name,
// value, wall_time), and TensorBoard event files beside it (tag `split/name`). The metrics a
// model's step or eval_step returns (its own included) arrive here like forge's.
#pragma once

#include "metrics/tensorboard_writer.hpp"

#include <cstdint>
#include <fstream>
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

class MetricsLog {
 public:
  // Opens <run_dir>/metrics.csv for appending, writing the header when the file is new.
  explicit MetricsLog(const std::string& run_dir);

  // Starts this process's share of the run at `first_step`: a new event file whose
  // SessionLog START tells TensorBoard to drop any earlier points from that step on.
  // Rows written before it reach only the CSV.
  void begin_session(int64_t first_step);

  void write(int64_t step, int64_t epoch, const std::string& split,
             const std::map<std::string, double>& metrics);

  // Drops rows after `step` from metrics.csv: they belong to work a resumed run is about to
  // redo. (TensorBoard's copies are dropped by the resumed session's START event.)
  static void truncate_after(const std::string& run_dir, int64_t step);

 private:
  std::string run_dir_;
  std::ofstream csv_;
  std::unique_ptr<TensorBoardWriter> tensorboard_;
};

}  // namespace forge
