// forge report [DIR] -o FILE: the runs under DIR and their learning curves, as one HTML file.
#include "cli/command_help.hpp"
#include "cli/commands.hpp"

#include "core/atomic_file.hpp"
#include "report/html_report.hpp"
#include "report/search_report.hpp"
#include "runs/run_summary.hpp"

#include <forge/error.hpp>

#include <iostream>

namespace forge {
namespace {

const char* report_help =
    "usage: forge report [DIR] [-o FILE] [--title TEXT]\n"
    "Writes one self-contained HTML file (default report.html): the runs at or below DIR (default:\n"
    "checkpoints) as a table, and their learning curves — every metric by step, runs overlaid,\n"
    "values shown on hover; then, run by run, the newest images the model drew (a GAN's samples) and\n"
    "the newest confusion matrix as a heatmap. It needs no network and no other file; open it in any\n"
    "browser.\n";

FlagSet report_syntax() {
  FlagSet set("report");
  set.take_operands({"DIR"}, 0);
  set.declare({text_flag("output", "report.html", "the HTML file to write"),
               text_flag("title", "", "the page's title (default: forge runs: DIR)")},
              "forge report");
  set.add_short_name('o', "output");
  return set;
}

}  // namespace

int report_command(const Args& args) {
  const std::optional<CommandLine> line = read_command_line(args, report_help, report_syntax());
  if (!line) return 0;
  const std::string root = line->operands.empty() ? "checkpoints" : line->operands[0];
  const std::string output = line->flags.text("output"), title = line->flags.text("title");
  if (output.empty()) throw Error(ExitCode::usage, "--output needs a file name; see forge report --help");
  std::vector<RunSummary> runs;
  std::vector<std::string> names;
  for (const auto& dir : find_runs(root)) {
    runs.push_back(summarize_run(dir));
    names.push_back(run_label(root, dir));
  }
  if (runs.empty()) throw Error(ExitCode::run, "no runs under " + root + " to report on");
  std::string searches;  // each search below the root, after the runs
  for (const auto& dir : find_studies(root)) searches += study_html(read_study(dir), run_label(root, dir));
  try {
    write_file_atomically(output, html_report(runs, names, title.empty() ? "forge runs: " + root : title, searches));
  } catch (const std::exception& e) {
    throw Error(ExitCode::usage, "cannot write " + output + ": " + e.what());
  }
  std::cout << output << "\n";
  return 0;
}

}  // namespace forge
