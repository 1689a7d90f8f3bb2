// forge report [DIR] -o FILE: the runs under DIR and their learning curves, as one HTML file.
#include "cli/commands.hpp"
#include "cli/folder_command_args.hpp"

#include "core/atomic_file.hpp"
#include "report/html_report.hpp"
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

}  // namespace

int report_command(const Args& args) {
  std::string output = "report.html", title;
  FolderCommandArgs parsed =
      parse_folder_command_args(args, "report", "checkpoints", [&](const std::string& name, const auto& value) {
        if (name == "-o" || name == "--output")
          output = value();
        else if (name == "--title")
          title = value();
        else
          return false;
        return true;
      });
  if (parsed.help) {
    std::cout << report_help;
    return 0;
  }
  const std::string& root = parsed.folder;
  std::vector<RunSummary> runs;
  std::vector<std::string> names;
  for (const auto& dir : find_runs(root)) {
    runs.push_back(summarize_run(dir));
    names.push_back(run_label(root, dir));
  }
  if (runs.empty()) throw Error(ExitCode::run, "no runs under " + root + " to report on");
  try {
    write_file_atomically(output, html_report(runs, names, title.empty() ? "forge runs: " + root : title));
  } catch (const std::exception& e) {
    throw Error(ExitCode::usage, "cannot write " + output + ": " + e.what());
  }
  std::cout << output << "\n";
  return 0;
}

}  // namespace forge
