// forge's log: spdlog's default logger, writing to stderr and, during a run, to <run>/log.txt;
// and the one progress line (a progress bar) that a terminal may show below it.
#pragma once

#include <string>

namespace spdlog {
class logger;
}

namespace forge {

// Colours only where stderr is a terminal, and never with NO_COLOR set (no-color.org).
void setup_console_log();

// Also writes every log line to `path` (appending), from now until the process ends.
void add_log_file(const std::string& path);

// A logger that writes only to the log files: for lines a progress bar replaces on screen.
spdlog::logger& file_log();

// Whether stdout and stderr are both terminals: where a progress line can redraw in place.
bool interactive_terminal();

// Whether output may use colours: an interactive terminal and no NO_COLOR.
bool colours_allowed();

// Shows `text` as the terminal's progress line (stderr, redrawn in place). Any log line
// printed while it is shown first clears it; the next call draws it again.
void show_progress_line(const std::string& text);

// Removes the progress line, if one is shown.
void clear_progress_line();

}  // namespace forge
