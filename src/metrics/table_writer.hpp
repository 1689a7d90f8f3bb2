// The tables whole-set metrics keep (a confusion matrix: forge/metric.hpp), written as CSV at
// each evaluation where the caller says (the run folder's tables/, where `forge report` draws
// the newest confusion matrix as a heatmap).
#pragma once

#include <forge/metric.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace forge {

// The CSV text of a table: a header (its corner, then the column names), then one line per row
// (its name, then its values, integers written as such).
std::string table_csv(const Table& table);

class TableWriter {
 public:
  // The file of table `name` of an evaluation of `split` at `step`.
  using PathOf = std::function<std::string(const std::string& split, const std::string& name, int64_t step)>;
  explicit TableWriter(PathOf path_of) : path_of_(std::move(path_of)) {}

  // Writes each table of an evaluation of `split` at `step`, atomically. Throws
  // Error(ExitCode::failure) naming a table with a bad name or shape, or a file it cannot write.
  void write(const std::string& split, int64_t step, const std::map<std::string, Table>& tables) const;

 private:
  PathOf path_of_;
};

}  // namespace forge
