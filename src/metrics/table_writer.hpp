// The tables whole-set metrics keep (a confusion matrix: forge/metric.hpp), written as CSV into
// the run folder at each evaluation (runs/run_files.hpp's table_path), where `forge report`
// draws the newest confusion matrix as a heatmap.
#pragma once

#include <forge/metric.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace forge {

// The CSV text of a table: a header (its corner, then the column names), then one line per row
// (its name, then its values, integers written as such).
std::string table_csv(const Table& table);

class TableWriter {
 public:
  explicit TableWriter(std::string run_dir) : run_dir_(std::move(run_dir)) {}

  // Writes each table of an evaluation of `split` at `step`, atomically. Throws
  // Error(ExitCode::failure) naming a table with a bad name or shape, or a file it cannot write.
  void write(const std::string& split, int64_t step, const std::map<std::string, Table>& tables) const;

 private:
  std::string run_dir_;
};

}  // namespace forge
