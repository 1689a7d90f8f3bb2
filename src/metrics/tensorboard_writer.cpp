#include "metrics/tensorboard_writer.hpp"

#include "core/crc32c.hpp"
#include "core/decimal.hpp"
#include "core/process.hpp"
#include "core/wall_clock.hpp"
#include "metrics/protobuf_wire.hpp"

#include <forge/error.hpp>

#include <unistd.h>
#include <boost/filesystem.hpp>

#include <cerrno>
#include <cstring>
#include <regex>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using namespace protobuf;

// Event { double wall_time = 1; int64 step = 2; oneof what { string file_version = 3;
//         Summary summary = 5; LogMessage log_message = 6; SessionLog session_log = 7; } }
// (6 is the deprecated LogMessage: a START written there is no START to TensorBoard.)
std::string event(double wall_time, int64_t step) {
  std::string out;
  put_key(out, 1, fixed64);
  put_little_endian(out, wall_time);
  put_key(out, 2, varint);
  put_varint(out, uint64_t(step));
  return out;
}

// The first number in the names of the event files already in `dir`: the next file must
// sort after them, even when a resume starts within the same second.
int64_t latest_file_time(const std::string& dir) {
  static const std::regex name(R"(events\.out\.tfevents\.(\d+)\..*)");
  int64_t latest = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::smatch match;
    std::string file = entry.path().filename().string();
    // A number no clock gives (a file someone else named) is no reason to fail the run.
    if (std::regex_match(file, match, name)) latest = std::max<int64_t>(latest, parse_decimal(match[1], INT32_MAX));
  }
  return latest;
}

}  // namespace

TensorBoardWriter::TensorBoardWriter(const std::string& dir, int64_t first_step) {
  open(dir, "");
  // SessionLog { enum SessionStatus { STATUS_UNSPECIFIED = 0; START = 1; ... } status = 1; }
  std::string session_log;
  put_key(session_log, 1, varint);
  put_varint(session_log, 1);
  std::string start = event(unix_time(), first_step);
  put_bytes(start, 7, session_log);
  write_record(start);
}

TensorBoardWriter::TensorBoardWriter(const std::string& dir, const std::string& kind) {
  const std::string ending = ".forge-" + kind;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind("events.out.tfevents.", 0) == 0 && file.size() > ending.size() &&
        file.compare(file.size() - ending.size(), ending.size(), ending) == 0)
      fs::remove(entry.path());
  }
  open(dir, kind);
}

void TensorBoardWriter::open(const std::string& dir, const std::string& kind) {
  int64_t file_time = std::max<int64_t>(int64_t(unix_time()), latest_file_time(dir) + 1);
  path_ = dir + "/events.out.tfevents." + std::to_string(file_time) + "." + host_name() + "." +
          std::to_string(::getpid()) + ".forge" + (kind.empty() ? "" : "-" + kind);
  out_.open(path_, std::ios::binary | std::ios::app);
  if (!out_) throw Error(ExitCode::run, "cannot create the TensorBoard event file " + path_);
  std::string version = event(unix_time(), 0);
  put_bytes(version, 3, "brain.Event:2");
  write_record(version);
}

void TensorBoardWriter::hparams(const std::string& tag, const std::string& plugin_data) {
  // Summary.Value { string tag = 1; TensorProto tensor = 8; SummaryMetadata metadata = 9; }
  // SummaryMetadata { PluginData plugin_data = 1; }  PluginData { string plugin_name = 1; bytes content = 2; }
  std::string plugin;
  put_bytes(plugin, 1, "hparams");
  put_bytes(plugin, 2, plugin_data);
  std::string metadata;
  put_bytes(metadata, 1, plugin);
  // The plugin's empty tensor: TensorProto { dtype: DT_FLOAT, tensor_shape { dim { size: 0 } } }.
  static const std::string empty_tensor("\x08\x01\x12\x02\x12\x00", 6);
  std::string value_message;
  put_bytes(value_message, 1, tag);
  put_bytes(value_message, 8, empty_tensor);
  put_bytes(value_message, 9, metadata);
  std::string summary;
  put_bytes(summary, 1, value_message);
  std::string hparams_event = event(unix_time(), 0);
  put_bytes(hparams_event, 5, summary);
  write_record(hparams_event);
}

void TensorBoardWriter::scalar(const std::string& tag, int64_t step, double value, double wall_time) {
  // Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; }
  std::string value_message;
  put_bytes(value_message, 1, tag);
  put_key(value_message, 2, fixed32);
  put_little_endian(value_message, float(value));
  std::string summary;
  put_bytes(summary, 1, value_message);
  std::string scalar_event = event(wall_time, step);
  put_bytes(scalar_event, 5, summary);
  write_record(scalar_event);
}

void TensorBoardWriter::write(int64_t step, int64_t /*epoch*/, const std::string& split,
                              const std::map<std::string, double>& metrics) {
  const double wall = unix_time();
  for (const auto& [name, value] : metrics) scalar(split + "/" + name, step, value, wall);
}

void TensorBoardWriter::flush() { out_.flush(); }

void TensorBoardWriter::write_record(const std::string& data) {
  std::string record;
  uint64_t length = data.size();
  put_little_endian(record, length);
  put_little_endian(record, masked_crc32c(record.data(), sizeof(length)));
  record += data;
  put_little_endian(record, masked_crc32c(data.data(), data.size()));
  // Whole records, flushed: TensorBoard reads the file while training writes it, and a
  // crash loses at most the record being written (a torn tail it skips).
  out_.write(record.data(), std::streamsize(record.size()));
  out_.flush();
  // A record that cannot be written (a full disk) stops the run rather than go missing.
  if (!out_) throw Error(ExitCode::failure, "cannot write " + path_ + ": " + std::strerror(errno));
}

}  // namespace forge
