// forge report [DIR] -o FILE: the runs under DIR and their learning curves, as one HTML file.
#include "cli/commands.hpp"

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "report/html_report.hpp"
#include "runs/run_summary.hpp"

#include <iostream>

namespace forge {
namespace {

const char* report_help =
    "usage: forge report [DIR] [-o FILE] [--title TEXT]\n"
    "Writes one self-contained HTML file (default report.html): the runs at or below DIR (default:\n"
    "checkpoints) as a table, and their learning curves — every metric by step, runs overlaid,\n"
    "values shown on hover. It needs no network and no other file; open it in any browser.\n";

}  // namespace

int report_command(const Args& args) {
  std::string root = "checkpoints", output = "report.html", title;
  bool root_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&] {
      if (i + 1 >= args.size()) throw Error(ExitCode::usage, arg + " needs a value; see forge report --help");
      return args[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << report_help;
      return 0;
    } else if (arg == "-o" || arg == "--output") {
      output = value();
    } else if (arg == "--title") {
      title = value();
    } else if (arg.rfind("-", 0) == 0) {
      throw Error(ExitCode::usage, "unknown option " + arg + " for forge report; see forge report --help");
    } else if (root_given) {
      throw Error(ExitCode::usage, "forge report takes one folder; got " + root + " and " + arg);
    } else {
      root = arg;
      root_given = true;
    }
  }
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
