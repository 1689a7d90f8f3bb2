#include "report/run_artifacts.hpp"

#include "core/base64.hpp"
#include "core/confined_file.hpp"
#include "report/html_report.hpp"
#include "runs/model_record.hpp"
#include "runs/run_files.hpp"

#include <spdlog/spdlog.h>

#include <sstream>

namespace forge {
namespace {

constexpr uint64_t largest_embedded_image = uint64_t(4) << 20;
constexpr uint64_t largest_text = uint64_t(16) << 20;  // a table, or the model summary

// The greatest name of a file (or of what stands where a file would: a link, a FIFO) among
// `entries` that starts with `prefix` and ends with `suffix` (the numbers in forge's names are
// zero-padded: the greatest is the newest); "" when none.
std::string newest(const std::vector<ConfinedEntry>& entries, const std::string& prefix, const std::string& suffix) {
  std::string best;
  for (const auto& [name, kind] : entries)
    if (kind != ConfinedEntry::Kind::folder && name.size() > prefix.size() + suffix.size() &&
        name.rfind(prefix, 0) == 0 && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        name > best)
      best = name;
  return best;
}

// `relative` below `folder`, as `run_dir`-relative path ("images/samples").
std::string below(const std::string& run_dir, const std::string& folder) { return folder.substr(run_dir.size() + 1); }

bool is_png(const std::string& bytes) { return bytes.compare(0, 8, "\x89PNG\r\n\x1a\n", 8) == 0; }

std::vector<std::vector<std::string>> csv_cells(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    std::string cell;
    while (std::getline(fields, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

std::string heatmap_html(const std::vector<std::vector<std::string>>& cells) {
  std::string html = "<table class=\"heatmap\">";
  for (size_t r = 0; r < cells.size(); ++r) {
    double row_total = 0;
    if (r > 0)
      for (size_t c = 1; c < cells[r].size(); ++c) row_total += std::atof(cells[r][c].c_str());
    html += "<tr>";
    for (size_t c = 0; c < cells[r].size(); ++c) {
      const std::string text = escape_html(cells[r][c]);
      if (r == 0 || c == 0) {
        html += "<th>" + text + "</th>";
        continue;
      }
      // Shaded by the share of the true class's samples: the diagonal is recall.
      const double share = row_total > 0 ? std::atof(cells[r][c].c_str()) / row_total : 0;
      char style[96];
      std::snprintf(style, sizeof style, " style=\"background:rgba(37,99,235,%.3f)%s\"", share,
                    share > 0.5 ? ";color:#fff" : "");
      html += std::string("<td") + style + ">" + text + "</td>";
    }
    html += "</tr>";
  }
  return html + "</table>";
}

}  // namespace

RunArtifacts find_run_artifacts(const std::string& run_dir) {
  RunArtifacts artifacts;
  auto skip = [&](const std::string& file, const std::string& why) {
    spdlog::warn("report: skipped {}/{}: {}", run_dir, file, why);
    artifacts.skipped.push_back(file + ": " + why);
  };
  // Only real folders and regular files inside the run folder are read: a link there (to a
  // password file, to the environment of this process) is skipped, never followed.
  const std::string images = below(run_dir, images_folder(run_dir));
  for (const auto& [name, kind] : list_confined_folder(run_dir, images)) {
    if (kind == ConfinedEntry::Kind::link) skip(images + "/" + name, "a link");
    if (kind != ConfinedEntry::Kind::folder) continue;
    const std::string file = newest(list_confined_folder(run_dir, images + "/" + name), "epoch-", ".png");
    if (file.empty()) continue;
    const std::string relative = images + "/" + name + "/" + file;
    ConfinedRead read = read_confined_file(run_dir, relative, largest_embedded_image);
    if (read.ok && !is_png(read.bytes)) read = {false, "", "not a PNG"};
    if (!read.ok && read.why.rfind("larger than", 0) != 0) {
      skip(relative, read.why);
      continue;
    }
    artifacts.images.push_back({name, relative, read.bytes});
  }
  const std::string model_file = below(run_dir, model_summary_file(run_dir));
  if (ConfinedRead read = read_confined_file(run_dir, model_file, largest_text); read.ok) {
    try {
      artifacts.model = model_summary_text(json::parse(read.bytes), 1);
    } catch (const std::exception& e) {
      skip(model_file, std::string("not a model summary: ") + e.what());
    }
  } else if (read.why.find("No such file") == std::string::npos) {
    skip(model_file, read.why);
  }
  for (const char* split : {"test", "valid"}) {
    const std::string folder = below(run_dir, tables_folder(run_dir)) + "/" + split;
    const std::string file = newest(list_confined_folder(run_dir, folder), "confusion_matrix-step-", ".csv");
    if (file.empty()) continue;
    ConfinedRead read = read_confined_file(run_dir, folder + "/" + file, largest_text);
    if (!read.ok) {
      skip(folder + "/" + file, read.why);
      continue;
    }
    artifacts.confusion_file = folder + "/" + file;
    artifacts.confusion = csv_cells(read.bytes);
    break;
  }
  return artifacts;
}

std::string run_artifacts_html(const RunArtifacts& artifacts, const std::string& run_name) {
  if (artifacts.empty()) return "";
  std::string html = "<section class=\"artifacts\"><h2>" + escape_html(run_name) + "</h2>\n";
  if (!artifacts.model.empty()) {
    const size_t first_line = artifacts.model.find('\n');
    html += "<details class=\"model\"><summary>" + escape_html(artifacts.model.substr(0, first_line)) +
            "</summary><pre>" + escape_html(artifacts.model.substr(first_line + 1)) + "</pre></details>\n";
  }
  for (const auto& image : artifacts.images) {
    html += "<figure>";
    if (image.png.empty())
      html += "<p class=\"note\">too big to embed</p>";
    else
      html += "<img alt=\"" + escape_html(image.name) + "\" src=\"data:image/png;base64," + base64(image.png) + "\">";
    html += "<figcaption>" + escape_html(image.file) + "</figcaption></figure>\n";
  }
  for (const auto& skipped : artifacts.skipped) html += "<p class=\"note\">skipped " + escape_html(skipped) + "</p>\n";
  if (!artifacts.confusion.empty())
    html += "<figure>" + heatmap_html(artifacts.confusion) + "<figcaption>" + escape_html(artifacts.confusion_file) +
            "</figcaption></figure>\n";
  return html + "</section>\n";
}

}  // namespace forge
