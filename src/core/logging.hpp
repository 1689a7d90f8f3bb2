// forge's log: spdlog's default logger, writing to stderr and, during a run, to <run>/log.txt.
#pragma once

#include <string>

namespace forge {

void setup_console_log();

// Also writes every log line to `path` (appending), from now until the process ends.
void add_log_file(const std::string& path);

}  // namespace forge
