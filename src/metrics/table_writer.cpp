#include "metrics/table_writer.hpp"

#include "core/atomic_file.hpp"
#include "core/plain_name.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace forge {
namespace {

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15)
    return std::to_string(static_cast<long long>(value));
  std::ostringstream out;
  out.precision(10);
  out << value;
  return out.str();
}

}  // namespace

std::string table_csv(const Table& table) {
  torch::Tensor values = table.values.to(torch::kCPU, torch::kFloat64).contiguous();
  std::string out = field(table.corner);
  for (const auto& column : table.columns) out += "," + field(column);
  out += "\n";
  for (size_t r = 0; r < table.rows.size(); ++r) {
    out += field(table.rows[r]);
    for (size_t c = 0; c < table.columns.size(); ++c) out += "," + number(values[r][c].item<double>());
    out += "\n";
  }
  return out;
}

void TableWriter::write(const std::string& split, int64_t step, const std::map<std::string, Table>& tables) const {
  for (const auto& [name, table] : tables) {
    if (!is_plain_name(name))
      throw Error(ExitCode::failure,
                  "a metric's table '" + name + "' needs a name of at most 64 letters, digits, " + "'_' and '-'");
    const auto& v = table.values;
    if (!v.defined() || v.dim() != 2 || v.size(0) != int64_t(table.rows.size()) ||
        v.size(1) != int64_t(table.columns.size()))
      throw Error(ExitCode::failure, "the metric table '" + name + "' has values of another shape than its " +
                                         std::to_string(table.rows.size()) + " rows and " +
                                         std::to_string(table.columns.size()) + " columns");
    const std::string path = path_of_(split, name, step);
    try {
      boost::filesystem::create_directories(boost::filesystem::path(path).parent_path());
      write_file_atomically(path, table_csv(table));
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Error(ExitCode::failure, "cannot write " + path + ": " + e.what());
    }
  }
}

}  // namespace forge
