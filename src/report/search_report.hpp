// A search in forge report: its trials table, the metric of every trial against epochs with the
// rungs marked, and the metric at each trial's last rung against each searched flag — drawn as
// inline SVG, so the page stays one file that needs nothing else.
#pragma once

#include "search/study.hpp"

#include <string>

namespace forge {

std::string study_html(const Study& study, const std::string& label);

}  // namespace forge
