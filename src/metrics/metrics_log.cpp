#include "metrics/metrics_log.hpp"

#include "core/atomic_file.hpp"
#include "core/wall_clock.hpp"

#include <forge/error.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iomanip>
#include <sstream>

namespace forge {

CsvMetricWriter::CsvMetricWriter(std::string path, const std::string& header) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(ExitCode::failure, "cannot open " + path_ + ": " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd_, &info) == 0 && info.st_size == 0) write_all(fd_, header + "\n", path_);
}

CsvMetricWriter::~CsvMetricWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void CsvMetricWriter::write(int64_t step, int64_t epoch, const std::string& split,
                            const std::map<std::string, double>& metrics) {
  double wall = unix_time();
  std::ostringstream rows;
  for (const auto& [name, value] : metrics) {
    rows << step << ',' << epoch << ',' << split << ',' << name << ',' << std::setprecision(9) << value << ','
         << std::fixed << std::setprecision(3) << wall << std::defaultfloat << '\n';
  }
  // One write a call: the rows of one call land together or (on a crash) leave a torn tail,
  // which truncate_metrics_after drops.
  write_all(fd_, rows.str(), path_);
}

void CsvMetricWriter::flush() {}

}  // namespace forge
