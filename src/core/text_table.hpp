// A plain-text table for the terminal: columns as wide as their widest cell, two spaces apart.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace forge {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // The header, then every row; each line ends with a newline and has no trailing spaces.
  std::string render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// A table cell for a number that may be missing: `digits` decimals, or "-".
std::string fixed_or_dash(const std::optional<double>& value, int digits);

}  // namespace forge
