// Data plugin: a table of numbers in a CSV file (gzipped or plain), one row per sample, one
// column the target. Reads ordinary CSV with a header of column names, headerless tables, and
// the tables scikit-learn ships (a first line of counts and class names, e.g. wine_data.csv).
// Class labels may be numbers or words (a file with word labels needs a header row).
// Splits off a seeded test set (and `valid`, with forge's --valid_fraction) and standardises
// every feature with statistics of the remaining training rows only.
// forge:link z
#include <forge/data.hpp>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace {

std::vector<forge::FlagSpec> flags() {
  return {
      forge::text_flag("csv_path", "", "the table: a .csv or .csv.gz file"),
      forge::text_flag("target", "", "the target column, by name or 0-based index (default: the last)"),
      forge::text_flag("task", "classification", "classification | regression"),
      forge::real_flag("test_fraction", "0.2", "fraction of the rows held out as the test set"),
      forge::integer_flag("split_seed", 0, "seed of the test (and valid) split; the training --seed leaves it alone"),
      forge::integer_flag("max_file_mb", 4096, "refuse a table larger than this many MiB once decompressed"),
  };
}

using Row = std::vector<std::string>;

// The whole file, decompressed; at most `max_bytes` of it (a small .gz can expand without
// bound).
std::string read_text(const std::string& path, int64_t max_bytes) {
  gzFile file = gzopen(path.c_str(), "rb");  // gzread reads plain files too
  if (!file) throw std::runtime_error("cannot open --csv_path " + path);
  std::string text;
  char chunk[1 << 16];
  int n;
  while ((n = gzread(file, chunk, sizeof chunk)) > 0) {
    text.append(chunk, size_t(n));
    if (int64_t(text.size()) > max_bytes) {
      gzclose(file);
      throw std::runtime_error(path + " is larger than --max_file_mb " + std::to_string(max_bytes >> 20) +
                               " MiB once decompressed; raise it if the table is really that big");
    }
  }
  gzclose(file);
  if (n < 0) throw std::runtime_error(path + " is not a readable (or gzip) file");
  return text;
}

std::string trimmed(const std::string& field) {
  size_t begin = field.find_first_not_of(" \t\r\""), end = field.find_last_not_of(" \t\r\"");
  return begin == std::string::npos ? "" : field.substr(begin, end - begin + 1);
}

// Comma-separated; a file without commas is whitespace-separated.
std::vector<Row> parse_rows(const std::string& text) {
  const bool commas = text.find(',') != std::string::npos;
  std::vector<Row> rows;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (trimmed(line).empty()) continue;
    Row row;
    if (commas) {
      size_t at = 0;
      for (size_t comma; (comma = line.find(',', at)) != std::string::npos; at = comma + 1)
        row.push_back(trimmed(line.substr(at, comma - at)));
      row.push_back(trimmed(line.substr(at)));
    } else {
      std::string field;
      for (char c : line + ' ')
        if (c == ' ' || c == '\t' || c == '\r') {
          if (!field.empty()) row.push_back(field);
          field.clear();
        } else {
          field += c;
        }
    }
    rows.push_back(row);
  }
  return rows;
}

bool to_number(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(out);
}

bool is_numeric(const Row& row) {
  double ignored;
  return std::all_of(row.begin(), row.end(), [&](const std::string& f) { return to_number(f, ignored); });
}

// scikit-learn's header: row count, feature count, then class names (or nothing).
bool is_counts_header(const Row& row) {
  double rows, features;
  return row.size() >= 2 && to_number(row[0], rows) && to_number(row[1], features) && !is_numeric(row);
}

size_t target_column(const std::string& asked, const Row& names) {
  if (asked.empty()) return names.size() - 1;
  auto it = std::find(names.begin(), names.end(), asked);
  if (it != names.end()) return size_t(it - names.begin());
  double index;
  if (to_number(asked, index) && index >= 0 && index < double(names.size()) && index == std::floor(index))
    return size_t(index);
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("--target " + asked + " is neither a column (" + known + ") nor a column index");
}

// Rows of `rows` picked by `index`, as a tensor.
forge::Dataset take(const torch::Tensor& inputs, const torch::Tensor& targets, const torch::Tensor& index) {
  return {inputs.index_select(0, index), targets.index_select(0, index)};
}

forge::DataMap load(const forge::Flags& flags) {
  const std::string path = flags.text("csv_path"), task = flags.text("task");
  if (path.empty()) throw std::invalid_argument("--csv_path is required: the CSV file to read");
  if (task != "classification" && task != "regression")
    throw std::invalid_argument("--task must be classification or regression, not '" + task + "'");
  if (flags.integer("max_file_mb") < 1) throw std::invalid_argument("--max_file_mb must be at least 1");
  std::vector<Row> rows = parse_rows(read_text(path, flags.integer("max_file_mb") << 20));
  if (rows.empty()) throw std::runtime_error(path + " holds no rows");

  // The header, if any: names, counts (scikit-learn), counts then names, or none.
  size_t first_data = 0;
  Row names;
  if (is_counts_header(rows[0])) first_data = 1;
  if (first_data < rows.size() && !is_numeric(rows[first_data])) names = rows[first_data++];
  if (first_data >= rows.size()) throw std::runtime_error(path + " has a header but no rows of numbers");
  const size_t columns = rows[first_data].size();
  if (columns < 2) throw std::runtime_error(path + " needs at least two columns: features and a target");
  if (names.empty() || names.size() != columns) {
    names.clear();
    for (size_t c = 0; c < columns; ++c) names.push_back("column_" + std::to_string(c));
  }
  const size_t target = target_column(flags.text("target"), names);

  const int64_t n = int64_t(rows.size() - first_data), features = int64_t(columns - 1);
  torch::Tensor inputs = torch::empty({n, features}, torch::kFloat32);
  std::vector<std::string> target_fields(static_cast<size_t>(n));
  auto in = inputs.accessor<float, 2>();
  for (int64_t r = 0; r < n; ++r) {
    const Row& row = rows[first_data + size_t(r)];
    const size_t line = first_data + size_t(r) + 1;  // counting only non-empty lines
    if (row.size() != columns)
      throw std::runtime_error(path + ": row " + std::to_string(line) + " has " + std::to_string(row.size()) +
                               " fields, the table " + std::to_string(columns));
    for (size_t c = 0, f = 0; c < columns; ++c) {
      double value;
      if (c == target) {
        target_fields[size_t(r)] = row[c];
        if (task == "classification") continue;
      }
      if (!to_number(row[c], value))
        throw std::runtime_error(path + ": row " + std::to_string(line) + ", column '" + names[c] + "': '" + row[c] +
                                 "' is not a number");
      if (c != target) in[r][int64_t(f++)] = float(value);
    }
  }

  forge::DataMap data;
  torch::Tensor targets;
  if (task == "classification") {
    // Class indexes in the order of the labels: numeric order when they are numbers.
    std::vector<std::string> classes = target_fields;
    double a, b;
    if (is_numeric(classes))
      std::sort(classes.begin(), classes.end(),
                [&](const std::string& x, const std::string& y) { return to_number(x, a), to_number(y, b), a < b; });
    else
      std::sort(classes.begin(), classes.end());
    classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
    std::vector<int64_t> labels;
    for (const auto& field : target_fields)
      labels.push_back(int64_t(std::find(classes.begin(), classes.end(), field) - classes.begin()));
    targets = torch::tensor(labels, torch::kInt64);
    if (classes.size() < 2) throw std::runtime_error(path + ": the target column holds a single class");
    data.values["num_classes"] = int64_t(classes.size());
  } else {
    std::vector<double> values;
    for (const auto& field : target_fields) values.push_back(std::stod(field));
    targets = torch::tensor(values, torch::kFloat64).to(torch::kFloat32);
    data.values["num_outputs"] = int64_t{1};
  }

  // Test rows, then (with forge's --valid_fraction) valid rows, from one seeded shuffle.
  double test_fraction = flags.real("test_fraction");
  double valid_fraction = flags.has("valid_fraction") ? flags.real("valid_fraction") : 0.0;
  if (!(test_fraction >= 0 && test_fraction < 1)) throw std::invalid_argument("--test_fraction must lie in [0, 1)");
  auto generator = torch::make_generator<at::CPUGeneratorImpl>(uint64_t(flags.integer("split_seed")));
  torch::Tensor order = torch::randperm(n, generator, torch::kInt64);
  int64_t test_rows = std::llround(test_fraction * double(n));
  int64_t valid_rows = std::llround(valid_fraction * double(n - test_rows));
  if (n - test_rows - valid_rows < 1) throw std::invalid_argument(path + " has too few rows for these split fractions");
  auto sorted = [](const torch::Tensor& index) { return std::get<0>(index.sort()); };
  torch::Tensor train_index = sorted(order.slice(0, test_rows + valid_rows));
  data.datasets["train"] = take(inputs, targets, train_index);
  if (test_rows > 0) data.datasets["test"] = take(inputs, targets, sorted(order.slice(0, 0, test_rows)));
  if (valid_rows > 0)
    data.datasets["valid"] = take(inputs, targets, sorted(order.slice(0, test_rows, test_rows + valid_rows)));

  // Standardise with the training rows' statistics; a constant column only loses its mean.
  torch::Tensor mean = data.datasets["train"].inputs.mean(0);
  torch::Tensor scale = data.datasets["train"].inputs.std(0);
  scale = torch::where(scale > 0, scale, torch::ones_like(scale));
  for (auto& [name, split] : data.datasets) split.inputs = (split.inputs - mean) / scale;

  data.values["task"] = task;
  data.values["input_shape"] = std::vector<int64_t>{features};
  return data;
}

}  // namespace

FORGE_DATA_PLUGIN(flags, load)
