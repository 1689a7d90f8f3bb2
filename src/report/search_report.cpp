#include "report/search_report.hpp"

#include "report/html_report.hpp"
#include "runs/metrics_csv.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace forge {
namespace {

const char* const palette[] = {"#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951",
                               "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"};

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

struct Frame {  // a chart's data range and its mapping to the SVG's pixels
  double x0, x1, y0, y1;
  bool log_x = false;
  static constexpr double W = 440, H = 250, L = 56, R = 12, T = 24, B = 30;
  double px(double x) const {
    const double a = log_x ? std::log(x0) : x0, b = log_x ? std::log(x1) : x1, v = log_x ? std::log(x) : x;
    return L + (b > a ? (v - a) / (b - a) : 0.5) * (W - L - R);
  }
  double py(double y) const { return T + (y1 > y0 ? (y1 - y) / (y1 - y0) : 0.5) * (H - T - B); }
};

Frame frame_of(std::vector<double> xs, std::vector<double> ys, bool log_x) {
  auto [x0, x1] = std::minmax_element(xs.begin(), xs.end());
  auto [y0, y1] = std::minmax_element(ys.begin(), ys.end());
  Frame f{*x0, *x1, *y0, *y1, log_x};
  const double pad = (f.y1 - f.y0) * 0.05;
  f.y0 -= pad;
  f.y1 += pad;
  return f;
}

std::string axes(const Frame& f, const std::string& x_label, const std::string& y_label) {
  const double bottom = Frame::H - Frame::B, right = Frame::W - Frame::R;
  std::string svg = "<line x1=\"" + number(Frame::L) + "\" y1=\"" + number(bottom) + "\" x2=\"" + number(right) +
                    "\" y2=\"" + number(bottom) + "\" stroke=\"#999\"/>";
  svg += "<line x1=\"" + number(Frame::L) + "\" y1=\"" + number(Frame::T) + "\" x2=\"" + number(Frame::L) + "\" y2=\"" +
         number(bottom) + "\" stroke=\"#999\"/>";
  for (double y : {f.y0, f.y1})
    svg += "<text x=\"" + number(Frame::L - 4) + "\" y=\"" + number(f.py(y) + 4) +
           "\" text-anchor=\"end\" font-size=\"10\">" + number(y) + "</text>";
  for (double x : {f.x0, f.x1})
    svg += "<text x=\"" + number(f.px(x)) + "\" y=\"" + number(bottom + 14) +
           "\" text-anchor=\"middle\" font-size=\"10\">" + number(x) + "</text>";
  svg += "<text x=\"" + number((Frame::L + right) / 2) + "\" y=\"" + number(Frame::H - 2) +
         "\" text-anchor=\"middle\" font-size=\"11\">" + escape_html(x_label) + "</text>";
  svg += "<text x=\"8\" y=\"14\" font-size=\"11\">" + escape_html(y_label) + "</text>";
  return svg;
}

std::string svg_open() {
  return "<svg class=\"chart\" width=\"" + number(Frame::W) + "\" height=\"" + number(Frame::H) + "\" viewBox=\"0 0 " +
         number(Frame::W) + " " + number(Frame::H) + "\">";
}

// The metric of every trial by epoch, rungs marked.
std::string curves_chart(const Study& study) {
  const SearchMetric& m = study.settings.metric;
  std::map<size_t, std::vector<std::pair<double, double>>> curves;
  std::vector<double> xs, ys;
  for (const auto& t : study.trials) {
    std::map<int64_t, double> by_epoch;  // the last row of each epoch
    for (const auto& row : read_metrics(t.run_dir))
      if (row.split == m.split && row.name == m.name && std::isfinite(row.value)) by_epoch[row.epoch] = row.value;
    for (const auto& [epoch, value] : by_epoch) {
      curves[t.index].push_back({double(epoch), value});
      xs.push_back(double(epoch));
      ys.push_back(value);
    }
  }
  if (xs.empty()) return "";
  xs.push_back(0);
  const Frame f = frame_of(xs, ys, false);
  std::string svg = svg_open() + axes(f, "epoch", m.split + "/" + m.name);
  for (int epoch : rung_epochs(study.settings.schedule, 0))
    svg += "<line x1=\"" + number(f.px(epoch)) + "\" y1=\"" + number(Frame::T) + "\" x2=\"" + number(f.px(epoch)) +
           "\" y2=\"" + number(Frame::H - Frame::B) + "\" stroke=\"#ccc\" stroke-dasharray=\"4 3\"/>";
  for (const auto& [index, points] : curves) {
    std::string path;
    for (const auto& [x, y] : points) path += number(f.px(x)) + "," + number(f.py(y)) + " ";
    const std::string colour = palette[index % 10];
    svg += "<polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"1.5\" points=\"" + path +
           "\"><title>trial " + std::to_string(index) + "</title></polyline>";
    svg += "<circle cx=\"" + number(f.px(points.back().first)) + "\" cy=\"" + number(f.py(points.back().second)) +
           "\" r=\"2.5\" fill=\"" + colour + "\"/>";
  }
  return svg + "</svg>";
}

// The metric at each trial's last rung against one searched flag.
std::string dimension_chart(const Study& study, size_t d) {
  const Dimension& dim = study.settings.space[d];
  const SearchMetric& m = study.settings.metric;
  std::vector<double> xs, ys;
  std::vector<size_t> who;
  for (const auto& t : study.trials) {
    if (t.state.results.empty()) continue;
    xs.push_back(dim.is_categorical()
                     ? double(std::find(dim.choices.begin(), dim.choices.end(), t.values[d]) - dim.choices.begin())
                     : std::strtod(t.values[d].c_str(), nullptr));
    ys.push_back(m.measured(t.state.results.back()));
    who.push_back(t.index);
  }
  if (xs.empty()) return "";
  std::vector<double> range = xs;
  if (!dim.is_categorical()) range.insert(range.end(), {dim.low, dim.high});
  const Frame f = frame_of(range, ys, dim.is_log());
  std::string svg = svg_open() + axes(f, dim.flag + (dim.is_categorical() ? " (choice number)" : ""),
                                      m.split + "/" + m.name + " at the last rung");
  for (size_t i = 0; i < xs.size(); ++i)
    svg += "<circle cx=\"" + number(f.px(xs[i])) + "\" cy=\"" + number(f.py(ys[i])) + "\" r=\"3.5\" fill=\"" +
           palette[who[i] % 10] + "\"><title>trial " + std::to_string(who[i]) + ": " +
           escape_html(dim.flag + "=" + study.trials[who[i]].values[d]) + ", " + number(ys[i]) + "</title></circle>";
  return svg + "</svg>";
}

}  // namespace

std::string study_html(const Study& study, const std::string& label) {
  const SearchSettings& s = study.settings;
  std::string html = "<h2>search " + escape_html(label) + "</h2>\n<p class=\"note\">" + escape_html(s.sampler) +
                     " sampler, " + escape_html(s.schedule.scheduler) + " scheduler, " +
                     std::to_string(study.trials.size()) + " of " + std::to_string(s.schedule.trials) + " trials, " +
                     escape_html(study.status) + "; metric " + escape_html(s.metric.text()) + "</p>\n";
  html += "<table class=\"runs\"><thead><tr><th>trial</th>";
  for (const auto& d : s.space) html += "<th>" + escape_html(d.flag) + "</th>";
  html += "<th>epochs</th><th>" + escape_html(s.metric.split + "/" + s.metric.name) + "</th></tr></thead>\n<tbody>\n";
  const std::vector<size_t> ranked = study.ranking();
  for (const auto& t : study.trials) {
    const bool best = !ranked.empty() && ranked.front() == t.index;
    html += "<tr><td>" + std::to_string(t.index) + (best ? " (best)" : "") + "</td>";
    for (const auto& v : t.values) html += "<td>" + escape_html(v) + "</td>";
    const size_t done = t.state.results.size();
    html += "<td>" + (done ? std::to_string(rung_epochs(s.schedule, t.state.bracket)[done - 1]) : std::string("-")) +
            "</td><td>" + (done ? number(s.metric.measured(t.state.results.back())) : std::string("-")) +
            (t.state.failed ? " (failed)" : "") + "</td></tr>\n";
  }
  html += "</tbody></table>\n<div class=\"search-charts\">" + curves_chart(study);
  for (size_t d = 0; d < s.space.size(); ++d) html += dimension_chart(study, d);
  return html + "</div>\n";
}

}  // namespace forge
