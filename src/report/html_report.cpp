#include "report/html_report.hpp"

#include "core/text_table.hpp"
#include "report/run_artifacts.hpp"
#include "runs/manifest.hpp"
#include "runs/metrics_csv.hpp"

#include <cmath>

namespace forge {
namespace {

// A value as JSON: a number, or for NaN and infinities (which JSON has not, and which a
// diverged run does log) the string JavaScript's Number() reads back.
json value_json(double value) {
  if (std::isfinite(value)) return value;
  return std::isnan(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}

// The curves of one run: "split/name" → [[step, value], ...], without the clock's speed rows.
json run_series(const RunSummary& run) {
  json series = json::object();
  for (const MetricRow& row : read_metrics(run.dir)) {
    if (row.name == "steps_per_second") continue;
    series[row.split + "/" + row.name].push_back({row.step, value_json(row.value)});
  }
  return series;
}

// JSON that is safe inside <script>: every '<', '>' and '&' (which JSON holds only inside
// strings) as a backslash-u escape, so neither "</script>" nor "<!--" can change how the page parses.
std::string script_safe(const std::string& json_text) {
  std::string out;
  for (char c : json_text) {
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string escape_html(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string html_report(const std::vector<RunSummary>& runs, const std::vector<std::string>& names,
                        const std::string& title, const std::string& more_sections) {
  json data = json::array();
  std::string rows, artifacts;
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunSummary& run = runs[i];
    artifacts += run_artifacts_html(find_run_artifacts(run.dir), names[i]);
    data.push_back({{"name", names[i]}, {"series", run_series(run)}});
    std::string lr = run.flags.is_object() && run.flags.contains("lr") ? run.flags["lr"].dump() : "-";
    std::string model = run.flags.is_object() ? run.flags.value("model", "") : "";
    std::string dataset = run.flags.is_object() ? run.flags.value("data", "") : "";
    rows += "<tr><td><span class=\"swatch\" data-index=\"" + std::to_string(i) + "\"></span>" + escape_html(names[i]) +
            "</td><td>" + escape_html(run.status) + "</td><td>" + escape_html(dataset) + " / " + escape_html(model) +
            "</td><td>" + escape_html(lr) + "</td><td>" + progress_text(run) + "</td><td>" +
            fixed_or_dash(run.last_train_loss, 4) + "</td><td>" + fixed_or_dash(run.best_test_accuracy, 4) +
            "</td><td>" + escape_html(run.started) + "</td></tr>\n";
  }
  const std::string payload = script_safe(data.dump());

  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" + escape_html(title) +
         "</title>\n<style>" + report_style + "</style></head>\n<body>\n<h1>" + escape_html(title) + "</h1>\n" +
         "<p class=\"note\">" + std::to_string(runs.size()) + (runs.size() == 1 ? " run" : " runs") +
         ", written by forge on " + escape_html(now_iso8601()) + ". Hover a chart to read its values.</p>\n" +
         "<table class=\"runs\"><thead><tr><th>run</th><th>status</th><th>data / model</th><th>lr</th><th>epochs</th>"
         "<th>train loss</th><th>best test acc</th><th>started</th></tr></thead>\n<tbody>\n" +
         rows + "</tbody></table>\n<div id=\"charts\"></div>\n" + artifacts + more_sections +
         "<script id=\"forge-data\" type=\"application/json\">" + payload + "</script>\n<script>" + report_script +
         "</script>\n</body></html>\n";
}

}  // namespace forge
