#include "metrics/tensorboard_writer.hpp"

#include "core/crc32c.hpp"
#include "core/decimal.hpp"
#include "core/process.hpp"

#include <forge/error.hpp>

#include <unistd.h>
#include <boost/filesystem.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <regex>

namespace fs = boost::filesystem;

namespace forge {
namespace {

// Protobuf wire format: a field is a varint key (number << 3 | wire type) and its payload.
enum WireType : uint32_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(char(value | 0x80));
    value >>= 7;
  }
  out.push_back(char(value));
}

void put_key(std::string& out, uint32_t field, WireType type) { put_varint(out, (uint64_t(field) << 3) | type); }

template <class T>
void put_little_endian(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // x86 and ARM Linux are little-endian, as the format
  out.append(bytes, sizeof(T));
}

void put_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  put_key(out, field, length_delimited);
  put_varint(out, bytes.size());
  out += bytes;
}

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

double now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

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
  int64_t file_time = std::max<int64_t>(int64_t(now()), latest_file_time(dir) + 1);
  path_ = dir + "/events.out.tfevents." + std::to_string(file_time) + "." + host_name() + "." +
          std::to_string(::getpid()) + ".forge";
  out_.open(path_, std::ios::binary | std::ios::app);
  if (!out_) throw Error(ExitCode::run, "cannot create the TensorBoard event file " + path_);
  std::string version = event(now(), 0);
  put_bytes(version, 3, "brain.Event:2");
  write_record(version);
  // SessionLog { enum SessionStatus { STATUS_UNSPECIFIED = 0; START = 1; ... } status = 1; }
  std::string session_log;
  put_key(session_log, 1, varint);
  put_varint(session_log, 1);
  std::string start = event(now(), first_step);
  put_bytes(start, 7, session_log);
  write_record(start);
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
  const double wall = now();
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
