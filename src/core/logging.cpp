#include "core/logging.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace forge {
namespace {

std::mutex progress_mutex;
bool progress_shown = false;

void erase_progress_line_locked() {
  if (!progress_shown) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  progress_shown = false;
}

// The console sink: clears the progress line before a log line takes its place.
class ConsoleSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  ConsoleSink() : inner_(std::make_shared<spdlog::sinks::stderr_color_sink_mt>()) {
    inner_->set_pattern("[%H:%M:%S] %^%v%$");
    if (!colours_allowed()) inner_->set_color_mode(spdlog::color_mode::never);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    {
      std::lock_guard<std::mutex> lock(progress_mutex);
      erase_progress_line_locked();
    }
    inner_->log(message);
  }
  void flush_() override { inner_->flush(); }

 private:
  std::shared_ptr<spdlog::sinks::stderr_color_sink_mt> inner_;
};

std::shared_ptr<spdlog::logger>& file_logger() {
  static std::shared_ptr<spdlog::logger> logger = std::make_shared<spdlog::logger>("forge.file");
  return logger;
}

}  // namespace

void setup_console_log() {
  auto logger = std::make_shared<spdlog::logger>("forge", std::make_shared<ConsoleSink>());
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void add_log_file(const std::string& path) {
  auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
  file->set_pattern("%Y-%m-%d %H:%M:%S.%e %l %v");
  spdlog::default_logger()->sinks().push_back(file);
  file_logger()->sinks().push_back(file);
  file_logger()->flush_on(spdlog::level::info);
}

spdlog::logger& file_log() { return *file_logger(); }

bool interactive_terminal() { return ::isatty(STDOUT_FILENO) && ::isatty(STDERR_FILENO); }

bool colours_allowed() {
  const char* no_color = std::getenv("NO_COLOR");
  return interactive_terminal() && !(no_color && *no_color);
}

void show_progress_line(const std::string& text) {
  std::lock_guard<std::mutex> lock(progress_mutex);
  std::fputs(("\r\033[K" + text).c_str(), stderr);
  std::fflush(stderr);
  progress_shown = true;
}

void clear_progress_line() {
  std::lock_guard<std::mutex> lock(progress_mutex);
  erase_progress_line_locked();
}

}  // namespace forge
