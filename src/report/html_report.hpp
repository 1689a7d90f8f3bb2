// `forge report`: one self-contained HTML file (no network, no external scripts or fonts) with
// the runs table and their learning curves — loss and accuracy by step for every split, the
// runs overlaid, values read by hovering — drawn by a small inline script into SVG.
#pragma once

#include "runs/run_summary.hpp"

#include <string>
#include <vector>

namespace forge {

// `names`: how each run is labelled (its path below the folder reported on).
std::string html_report(const std::vector<RunSummary>& runs, const std::vector<std::string>& names,
                        const std::string& title, const std::string& more_sections = "");

// `text` with &, <, > and " escaped for HTML.
std::string escape_html(const std::string& text);

// The report's stylesheet and script (report_assets.cpp).
extern const char* const report_style;
extern const char* const report_script;

}  // namespace forge
