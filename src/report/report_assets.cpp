// The stylesheet and script inlined into every report: no network, no external files.
#include "report/html_report.hpp"

namespace forge {

const char* const report_style = R"CSS(
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d2330; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
.note { color: #5b6475; margin: 0 0 16px; }
table.runs { border-collapse: collapse; margin-bottom: 24px; }
table.runs th, table.runs td { padding: 4px 10px; border-bottom: 1px solid #e3e6ec; text-align: left; white-space: nowrap; }
table.runs th { font-weight: 600; color: #3b4252; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
#charts { display: flex; flex-wrap: wrap; gap: 20px; }
.chart { position: relative; border: 1px solid #e3e6ec; border-radius: 6px; padding: 8px; }
.chart h2 { font-size: 14px; margin: 0 0 4px 8px; }
.chart svg { display: block; }
.axis text { font-size: 11px; fill: #5b6475; }
.axis line, .axis path { stroke: #c9ced8; fill: none; }
.curve { fill: none; stroke-width: 2; }
.tip { position: absolute; pointer-events: none; background: rgba(29,35,48,.92); color: #fff; padding: 6px 8px;
       border-radius: 4px; font-size: 12px; white-space: nowrap; display: none; }
.artifacts { margin-top: 28px; }
.artifacts h2 { font-size: 16px; margin: 0 0 8px; }
.artifacts figure { display: inline-block; vertical-align: top; margin: 0 24px 16px 0; }
.artifacts img { image-rendering: pixelated; width: 320px; border: 1px solid #e3e6ec; }
.artifacts figcaption { font-size: 12px; color: #5b6475; margin-top: 4px; }
table.heatmap { border-collapse: collapse; font-size: 12px; }
table.heatmap th, table.heatmap td { padding: 3px 6px; text-align: right; border: 1px solid #f0f2f5; }
table.heatmap th { color: #5b6475; font-weight: 500; }
)CSS";

const char* const report_script = R"JS(
(function () {
  "use strict";
  var runs = JSON.parse(document.getElementById("forge-data").textContent);
  // NaN and infinities arrive as strings (JSON has no such numbers): back to numbers.
  runs.forEach(function (run) {
    Object.keys(run.series).forEach(function (tag) {
      run.series[tag].forEach(function (p) { if (typeof p[1] === "string") p[1] = Number(p[1]); });
    });
  });
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  var colour = function (i) { return palette[i % palette.length]; };
  var SVG = "http://www.w3.org/2000/svg";
  var W = 560, H = 300, L = 56, R = 12, T = 10, B = 34;

  document.querySelectorAll(".swatch").forEach(function (s) { s.style.background = colour(+s.dataset.index); });

  // Tags present in any run: loss first, then accuracy, then the rest; train, valid, test.
  var tags = {};
  runs.forEach(function (run) { Object.keys(run.series).forEach(function (t) { tags[t] = true; }); });
  var rank = function (tag) {
    var parts = tag.split("/"), name = parts.slice(1).join("/");
    var n = name === "loss" ? 0 : name === "accuracy" ? 1 : 2;
    var s = {train: 0, valid: 1, test: 2}[parts[0]];
    return [n, name, s === undefined ? 3 : s];
  };
  var ordered = Object.keys(tags).sort(function (a, b) {
    var x = rank(a), y = rank(b);
    for (var i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
  });

  var el = function (name, attrs, parent) {
    var e = document.createElementNS(SVG, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  };
  var ticks = function (lo, hi, count) {
    if (hi === lo) return [lo];
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / count)));
    var err = (hi - lo) / count / step;
    step *= err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
    return out;
  };
  var label = function (v) { return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(+v.toPrecision(4)); };

  var curves = 0, charts = document.getElementById("charts");
  ordered.forEach(function (tag) {
    var lines = [];
    runs.forEach(function (run, i) { if (run.series[tag]) lines.push({run: run, index: i, points: run.series[tag]}); });
    var xs = [], ys = [];
    // The scale fits the finite values; NaN and infinities are marked, never drawn as numbers.
    lines.forEach(function (l) { l.points.forEach(function (p) { xs.push(p[0]); if (isFinite(p[1])) ys.push(p[1]); }); });
    if (!ys.length) ys = [0, 1];
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    var pad = (y1 - y0) * 0.05 || Math.abs(y1) * 0.05 || 1;
    y0 -= pad; y1 += pad;
    var sx = function (x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
    var sy = function (y) { return T + (y1 - y) / (y1 - y0) * (H - T - B); };

    var box = document.createElement("div");
    box.className = "chart";
    box.innerHTML = "<h2></h2>";
    box.firstChild.textContent = tag;
    var svg = el("svg", {width: W, height: H, "data-tag": tag}, box);
    var axis = el("g", {"class": "axis"}, svg);
    ticks(y0, y1, 5).forEach(function (v) {
      el("line", {x1: L, x2: W - R, y1: sy(v), y2: sy(v), "stroke-dasharray": "2,3"}, axis);
      el("text", {x: L - 6, y: sy(v) + 4, "text-anchor": "end"}, axis).textContent = label(v);
    });
    // Steps are whole numbers: no tick between two of them.
    ticks(x0, x1, 6).filter(function (v) { return v === Math.round(v); }).forEach(function (v) {
      el("text", {x: sx(v), y: H - B + 16, "text-anchor": "middle"}, axis).textContent = String(v);
    });
    el("text", {x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle"}, axis).textContent = "step";
    el("path", {d: "M" + L + "," + T + "V" + (H - B) + "H" + (W - R)}, axis);

    lines.forEach(function (l) {
      // A gap where values are not finite, and a marker (NaN and +inf at the top, -inf at the
      // bottom) where each such stretch begins.
      var d = "", pen = false;
      l.points.forEach(function (p) {
        if (isFinite(p[1])) {
          d += (pen ? "L" : "M") + sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1);
          pen = true;
          return;
        }
        if (pen || !d) {
          var mark = el("text", {"class": "nonfinite", x: sx(p[0]), y: p[1] === -Infinity ? H - B - 4 : T + 10,
                                 "text-anchor": "middle", fill: colour(l.index), "data-run": l.run.name,
                                 "data-value": String(p[1])}, svg);
          mark.textContent = "\u00d7 " + String(p[1]);
        }
        pen = false;
      });
      el("path", {"class": "curve", d: d, stroke: colour(l.index), "data-run": l.run.name}, svg);
      if (l.points.length <= 20)
        l.points.forEach(function (p) {
          if (isFinite(p[1])) el("circle", {cx: sx(p[0]), cy: sy(p[1]), r: 3, fill: colour(l.index)}, svg);
        });
      curves++;
    });

    // Hover: the nearest point of every run at the pointer's step.
    var guide = el("line", {y1: T, y2: H - B, stroke: "#8a93a5", visibility: "hidden"}, svg);
    var tip = document.createElement("div");
    tip.className = "tip";
    box.appendChild(tip);
    svg.addEventListener("mousemove", function (event) {
      var rect = svg.getBoundingClientRect();
      var step = x0 + (event.clientX - rect.left - L) / (W - L - R) * (x1 - x0);
      var html = "", shownStep = null;
      lines.forEach(function (l) {
        var best = l.points[0];
        l.points.forEach(function (p) { if (Math.abs(p[0] - step) < Math.abs(best[0] - step)) best = p; });
        if (shownStep === null) shownStep = best[0];
        html += "<div><span class=\"swatch\" style=\"background:" + colour(l.index) + "\"></span>" +
                l.run.name.replace(/[&<>]/g, "") + ": " + (isFinite(best[1]) ? +best[1].toPrecision(5) : String(best[1])) +
                " (step " + best[0] + ")</div>";
      });
      guide.setAttribute("x1", sx(shownStep)); guide.setAttribute("x2", sx(shownStep));
      guide.setAttribute("visibility", "visible");
      tip.innerHTML = html;
      tip.style.display = "block";
      tip.style.left = Math.min(event.clientX - rect.left + 16, W - 120) + "px";
      tip.style.top = (event.clientY - rect.top + 12) + "px";
    });
    svg.addEventListener("mouseleave", function () { tip.style.display = "none"; guide.setAttribute("visibility", "hidden"); });
    charts.appendChild(box);
  });
  // For tests and scripts: how much was drawn.
  document.body.setAttribute("data-charts", String(ordered.length));
  document.body.setAttribute("data-curves", String(curves));
})();
)JS";

}  // namespace forge
