// Runs a search: `jobs` trial segments at a time, each a `forge train --run_dir <trial> --epochs
// <max budget> --stop_after_epochs <rung>` (which starts the trial's run, or continues it from its
// checkpoint: a promotion trains on where the trial stopped), here or on SLURM (the launcher). Every
// decision is recorded before its segment starts and every result as it arrives, so a search
// killed at any moment and launched again goes on exactly. A failed segment is tried again from
// its checkpoint up to --retries times, then its trial is given up; the search goes on.
// SIGINT and SIGTERM reach the running segments, which checkpoint and stop.
#pragma once

#include "search/segment_launcher.hpp"
#include "search/study.hpp"

namespace forge {

// Returns 0 when the search ran to its end, or 128 + the signal that stopped it.
int run_search(Study& study, int jobs, SegmentLauncher& launcher);

// Whether trial `trial`'s run has trained to the epochs of its rung.
bool reached_its_rung(const Study& study, const Trial& trial);

// The metric `metric` of the run in `run_dir` at the end of epoch `epoch`, lower is better (a
// maximised metric negated). Throws Error(ExitCode::failure) when the run has no such row.
double rung_result(const std::string& run_dir, const SearchMetric& metric, int epoch);

}  // namespace forge
