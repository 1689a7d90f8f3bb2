// forge show RUN_DIR and forge diff RUN_A RUN_B: a run's record, and how two runs differ.
#include "cli/command_help.hpp"
#include "cli/commands.hpp"

#include "core/build_config.hpp"
#include "core/process.hpp"
#include "core/text_table.hpp"
#include "runs/checkpoint_files.hpp"
#include "runs/manifest.hpp"
#include "runs/model_record.hpp"
#include "runs/run_dir.hpp"
#include "runs/run_files.hpp"
#include "runs/run_summary.hpp"
#include "sweep/sweep_record.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>

#include <cstdio>
#include <iostream>
#include <set>

namespace fs = boost::filesystem;

namespace forge {
namespace {

const char* show_help =
    "usage: forge show RUN_DIR [--depth N]\n"
    "A run's record: status and why, progress, seed, plugins (source, SHA-1, git commit),\n"
    "checkpoints, every flag, the final value of every metric, and the model: each module's\n"
    "type, parameters and the shapes of its tensors (trainable or frozen), with totals, for the\n"
    "modules at most N deep (default 2; 0: all). Changes nothing.\n";

const char* diff_help =
    "usage: forge diff RUN_A RUN_B\n"
    "How two runs differ: the flags whose values differ, a unified diff of their plugin sources\n"
    "(as saved in each run folder), and their final metrics side by side.\n";

FlagSet show_syntax() {
  FlagSet set("show");
  set.take_operands({"RUN_DIR"}, 1);
  set.declare({integer_flag("depth", 2, "the model's modules at most this deep (0: all)")}, "forge show");
  return set;
}

FlagSet diff_syntax() {
  FlagSet set("diff");
  set.take_operands({"RUN_A", "RUN_B"}, 2);
  return set;
}

std::string number(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

std::string flag_text(const json& value) {
  if (!value.is_string()) return value.dump();
  const std::string& text = value.get<std::string>();
  return text.empty() ? "\"\"" : text;
}

RunSummary open_run(const std::string& dir) {
  if (!is_run_dir(dir)) throw Error(ExitCode::run, dir + " is not a run folder (it has no manifest.json)");
  return summarize_run(dir);
}

std::string git_text(const PluginRecord& plugin) {
  if (!plugin.git) return "-";
  return plugin.git->commit.substr(0, 12) + (plugin.git->dirty ? " (dirty)" : "");
}

// The file name of the plugin's main source as the run saved it ("" for a plugin given as .so).
std::string main_source(const RunSummary& run, const std::string& kind) {
  const auto& plugins = run.manifest.plugins;
  return plugins.count(kind) ? plugins.at(kind).source : "";
}

// Status, progress, seed, processes, sweep point and versions.
void print_record(const RunSummary& run) {
  const Manifest& m = run.manifest;
  std::cout << "run       " << run.dir << "\n"
            << "status    " << run.status << (run.reason.empty() ? "" : " (" + run.reason + ")") << "\n"
            << "started   " << run.started << (run.ended.empty() ? "" : ", ended " + run.ended) << "\n"
            << "progress  step " << run.step << ", " << (run.epochs_done < 0 ? "?" : std::to_string(run.epochs_done))
            << " of "
            << (run.max_steps > 0 ? "--max_steps " + std::to_string(run.max_steps)
                                  : std::to_string(run.epochs) + " epochs")
            << " done" << (run.awaiting_evaluation ? "; end-of-run evaluation not done (forge resume does it)" : "")
            << "\n";
  if (m.seed) std::cout << "seed      " << m.seed->value << (m.seed->drawn ? " (drawn)" : "") << "\n";
  if (m.world_size > 1) std::cout << "processes " << m.world_size << " (data-parallel)\n";
  for (const RestartRecord& r : m.restarts)
    std::cout << "restart   " << r.time << ": rank " << r.rank << " " << r.exit
              << (r.after_step >= 0 ? " after step " + std::to_string(r.after_step) : std::string()) << "; from "
              << (r.from_step >= 0 ? "step " + std::to_string(r.from_step) : std::string("the start")) << "\n";
  const std::string label = sweep_point_file(run.dir);
  if (fs::is_regular_file(label)) {
    const json point = read_json(label);
    const std::string values = point_text(point["point"]);
    std::cout << "sweep     " << point.value("sweep", "?") << ", point " << (values.empty() ? "-" : values) << "\n";
  }
  auto or_unknown = [](const std::string& text) { return text.empty() ? std::string("?") : text; };
  const std::string libtorch = m.cuda_version ? libtorch_text(or_unknown(m.libtorch_version), *m.cuda_version)
                                              : "libtorch " + or_unknown(m.libtorch_version);
  std::cout << "forge     " << or_unknown(m.forge_version) << ", " << libtorch << ", " << or_unknown(m.compiler) << ", "
            << or_unknown(m.host) << "\n";
}

void print_plugins(const RunSummary& run) {
  std::cout << "\nplugins\n";
  TextTable plugins({"  KIND", "NAME", "SOURCE", "SHA-1", "GIT"});
  for (const auto& [kind, plugin] : run.manifest.plugins)
    plugins.add_row({"  " + kind, plugin.name.empty() ? "?" : plugin.name, plugin.source.empty() ? "-" : plugin.source,
                     plugin.sha1.substr(0, 12), git_text(plugin)});
  std::cout << plugins.render();
}

void print_checkpoints_flags_and_metrics(const RunSummary& run) {
  std::vector<int64_t> steps = list_checkpoints(run.dir);
  std::cout << "\ncheckpoints (" << steps.size() << ")";
  for (size_t i = 0; i < steps.size(); ++i) std::cout << (i ? ", " : ": step ") << steps[i];
  std::cout << "\n\nflags\n";
  TextTable flags({"  FLAG", "VALUE"});
  if (run.flags.is_object())
    for (const auto& [name, value] : run.flags.items()) flags.add_row({"  --" + name, flag_text(value)});
  std::cout << flags.render();

  std::cout << "\nfinal metrics\n";
  TextTable metrics({"  METRIC", "VALUE"});
  for (const auto& [name, value] : run.final_metrics) metrics.add_row({"  " + name, number(value)});
  std::cout << (run.final_metrics.empty() ? "  (none yet)\n" : metrics.render());
}

void print_flag_differences(const RunSummary& a, const RunSummary& b) {
  std::cout << "flags that differ\n";
  TextTable flags({"  FLAG", a.dir, b.dir});
  std::set<std::string> names;
  for (const json* f : {&a.flags, &b.flags})
    if (f->is_object())
      for (const auto& item : f->items()) names.insert(item.key());
  size_t differing = 0;
  for (const auto& name : names) {
    std::string x = a.flags.contains(name) ? flag_text(a.flags[name]) : "(unset)";
    std::string y = b.flags.contains(name) ? flag_text(b.flags[name]) : "(unset)";
    if (x == y) continue;
    flags.add_row({"  --" + name, x, y});
    ++differing;
  }
  std::cout << (differing ? flags.render() : "  (none)\n");
}

// The sources each run saved (plugins/<kind>/src/), compared by the system's diff.
void print_source_differences(const RunSummary& a, const RunSummary& b) {
  std::cout << "\nplugin sources\n";
  bool same_sources = true;
  for (const char* kind : {"data", "model"}) {
    std::string x = plugin_sources_folder(a.dir, kind), y = plugin_sources_folder(b.dir, kind);
    if (!fs::is_directory(x) || !fs::is_directory(y)) continue;
    // Sources under different names (my_net.cpp, my_net_v2.cpp) are compared file to file.
    std::string source_x = main_source(a, kind), source_y = main_source(b, kind);
    if (!source_x.empty() && !source_y.empty() && source_x != source_y) {
      x += "/" + source_x;
      y += "/" + source_y;
    }
    ProcessResult diff = run_process({"diff", "-u", "-r", x, y});
    if (diff.exit_status == 0) continue;
    if (diff.exit_status != 1) throw Error(ExitCode::failure, "cannot compare " + x + " and " + y + ": " + diff.output);
    same_sources = false;
    std::cout << diff.output;
  }
  if (same_sources) std::cout << "  (identical)\n";
}

void print_metric_comparison(const RunSummary& a, const RunSummary& b) {
  std::cout << "\nfinal metrics\n";
  TextTable metrics({"  METRIC", a.dir, b.dir});
  std::set<std::string> metric_names;
  for (const auto* run : {&a, &b})
    for (const auto& item : run->final_metrics) metric_names.insert(item.first);
  for (const auto& name : metric_names) {
    auto x = a.final_metrics.find(name), y = b.final_metrics.find(name);
    metrics.add_row({"  " + name, x == a.final_metrics.end() ? "-" : number(x->second),
                     y == b.final_metrics.end() ? "-" : number(y->second)});
  }
  std::cout << (metric_names.empty() ? "  (none yet)\n" : metrics.render());
}

}  // namespace

int show_command(const Args& args) {
  const std::optional<CommandLine> line = read_command_line(args, show_help, show_syntax());
  if (!line) return 0;
  const int64_t depth = line->flags.integer("depth");
  if (depth < 0 || depth > 1000)
    throw Error(ExitCode::usage, "invalid value '" + std::to_string(depth) + "' for --depth: expected 0 to 1000");
  const RunSummary run = open_run(line->operands[0]);
  print_record(run);
  print_plugins(run);
  print_checkpoints_flags_and_metrics(run);
  const json model = read_model_summary(run.dir);
  if (model.is_null())
    std::cout << "\nmodel: not recorded (the run predates model summaries)\n";
  else
    std::cout << "\n" << model_summary_text(model, depth);
  return 0;
}

int diff_command(const Args& args) {
  const std::optional<CommandLine> line = read_command_line(args, diff_help, diff_syntax());
  if (!line) return 0;
  const RunSummary a = open_run(line->operands[0]), b = open_run(line->operands[1]);
  print_flag_differences(a, b);
  print_source_differences(a, b);
  print_metric_comparison(a, b);
  return 0;
}

}  // namespace forge
