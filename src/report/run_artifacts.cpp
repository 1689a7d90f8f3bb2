#include "report/run_artifacts.hpp"

#include "core/base64.hpp"
#include "report/html_report.hpp"
#include "runs/run_files.hpp"

#include <boost/filesystem.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace forge {
namespace {

namespace fs = boost::filesystem;

constexpr uintmax_t largest_embedded_image = uintmax_t(4) << 20;

// The greatest file name in `folder` that starts with `prefix` and ends with `suffix` (the
// numbers in forge's names are zero-padded: the greatest is the newest); "" when none.
std::string newest(const std::string& folder, const std::string& prefix, const std::string& suffix) {
  std::string best;
  boost::system::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() > prefix.size() + suffix.size() && name.rfind(prefix, 0) == 0 &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 && name > best)
      best = name;
  }
  return best;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

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
  const std::string images = images_folder(run_dir);
  std::vector<std::string> names;
  boost::system::error_code error;
  for (fs::directory_iterator it(images, error), end; !error && it != end; it.increment(error))
    if (fs::is_directory(it->path())) names.push_back(it->path().filename().string());
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    const std::string file = newest(images + "/" + name, "epoch-", ".png");
    if (file.empty()) continue;
    const std::string path = images + "/" + name + "/" + file;
    const bool small = fs::file_size(path, error) <= largest_embedded_image && !error;
    artifacts.images.push_back({name, "images/" + name + "/" + file, small ? read_all(path) : ""});
  }
  for (const char* split : {"test", "valid"}) {
    const std::string folder = tables_folder(run_dir) + "/" + split;
    const std::string file = newest(folder, "confusion_matrix-step-", ".csv");
    if (file.empty()) continue;
    artifacts.confusion_file = "tables/" + std::string(split) + "/" + file;
    artifacts.confusion = csv_cells(read_all(folder + "/" + file));
    break;
  }
  return artifacts;
}

std::string run_artifacts_html(const RunArtifacts& artifacts, const std::string& run_name) {
  if (artifacts.empty()) return "";
  std::string html = "<section class=\"artifacts\"><h2>" + escape_html(run_name) + "</h2>\n";
  for (const auto& image : artifacts.images) {
    html += "<figure>";
    if (image.png.empty())
      html += "<p class=\"note\">too big to embed</p>";
    else
      html += "<img alt=\"" + escape_html(image.name) + "\" src=\"data:image/png;base64," + base64(image.png) + "\">";
    html += "<figcaption>" + escape_html(image.file) + "</figcaption></figure>\n";
  }
  if (!artifacts.confusion.empty())
    html += "<figure>" + heatmap_html(artifacts.confusion) + "<figcaption>" + escape_html(artifacts.confusion_file) +
            "</figcaption></figure>\n";
  return html + "</section>\n";
}

}  // namespace forge
