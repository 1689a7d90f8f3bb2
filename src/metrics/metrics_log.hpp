// metrics.csv in the run folder: one row per scalar (step, epoch, split, name, value,
// wall_time), appended as training goes.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>

namespace forge {

class MetricsLog {
 public:
  // Opens <run_dir>/metrics.csv for appending, writing the header when the file is new.
  explicit MetricsLog(const std::string& run_dir);

  void write(int64_t step, int64_t epoch, const std::string& split,
             const std::map<std::string, double>& metrics);

  // Drops rows after `step`: they belong to work a resumed run is about to redo.
  static void truncate_after(const std::string& run_dir, int64_t step);

 private:
  std::ofstream out_;
};

}  // namespace forge
