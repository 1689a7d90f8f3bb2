#include "runs/model_record.hpp"

#include "core/text_table.hpp"
#include "runs/run_files.hpp"

#include <boost/filesystem.hpp>

#include <cstdio>

namespace forge {
namespace {

// 1234567 as "1,234,567".
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string shapes_text(const json& tensors, bool mark_frozen) {
  std::string out;
  for (const auto& tensor : tensors) {
    out += (out.empty() ? "" : ", ") + tensor.value("name", std::string("?")) + " " + tensor.value("shape", "[]");
    if (mark_frozen && !tensor.value("trainable", true)) out += " (frozen)";
  }
  return out;
}

}  // namespace

std::string model_summary_text(const json& summary, int64_t depth) {
  const json& totals = summary.at("totals");
  char size[32];
  std::snprintf(size, sizeof size, "%.2f", totals.value("bytes", 0.0) / (1 << 20));
  std::string text = "model: " + grouped(totals.value("parameters", int64_t{0})) + " parameters (" +
                     grouped(totals.value("trainable", int64_t{0})) + " trainable, " +
                     grouped(totals.value("frozen", int64_t{0})) + " frozen), " +
                     grouped(totals.value("buffers", int64_t{0})) + " buffer values, " + size + " MiB\n";
  TextTable table({"module", "type", "parameters", "own tensors"});
  for (const auto& module : summary.at("modules")) {
    const int64_t level = module.value("depth", int64_t{0});
    if (depth > 0 && level > depth) continue;
    std::string own = shapes_text(module.value("parameters", json::array()), true);
    const std::string buffers = shapes_text(module.value("buffers", json::array()), false);
    if (!buffers.empty()) own += (own.empty() ? "buffers " : "; buffers ") + buffers;
    const std::string name = module.value("name", std::string());
    table.add_row({std::string(size_t(2 * std::max<int64_t>(0, level - 1)), ' ') + (name.empty() ? "(model)" : name),
                   module.value("type", std::string("?")), grouped(module.value("total_parameters", int64_t{0})), own});
  }
  return text + table.render();
}

json read_model_summary(const std::string& run_dir) {
  const std::string path = model_summary_file(run_dir);
  if (!boost::filesystem::is_regular_file(path)) return nullptr;
  return read_json(path);
}

}  // namespace forge
