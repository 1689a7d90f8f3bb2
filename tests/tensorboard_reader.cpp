#include "tensorboard_reader.hpp"

#include "core/atomic_file.hpp"
#include "core/crc32c.hpp"

#include <boost/filesystem.hpp>

#include <algorithm>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace fs = boost::filesystem;

namespace forge::testing {
namespace {

class Cursor {
 public:
  Cursor(const std::string& bytes, size_t begin, size_t end) : bytes_(bytes), at_(begin), end_(end) {}
  bool done() const { return at_ >= end_; }
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      need(1);
      auto byte = uint8_t(bytes_[at_++]);
      value |= uint64_t(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return value;
    }
    throw std::runtime_error("varint longer than 10 bytes");
  }
  template <class T>
  T fixed() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return value;
  }
  Cursor sub() {
    size_t length = varint();
    need(length);
    Cursor inner(bytes_, at_, at_ + length);
    at_ += length;
    return inner;
  }
  std::string text() {
    Cursor inner = sub();
    return bytes_.substr(inner.at_, inner.end_ - inner.at_);
  }
  void skip(uint32_t wire_type) {
    switch (wire_type) {
      case 0:
        varint();
        break;
      case 1:
        fixed<uint64_t>();
        break;
      case 2:
        sub();
        break;
      case 5:
        fixed<uint32_t>();
        break;
      default:
        throw std::runtime_error("unknown wire type " + std::to_string(wire_type));
    }
  }

 private:
  void need(size_t n) const {
    if (at_ + n > end_) throw std::runtime_error("protobuf field runs past its message");
  }
  const std::string& bytes_;
  size_t at_, end_;
};

// A scalar's tag and value; nullopt for a value that is no scalar (the HParams plugin's).
std::optional<std::pair<std::string, float>> decode_value(Cursor value) {
  std::pair<std::string, float> out{"", 0.0f};
  bool scalar = false;
  while (!value.done()) {
    uint64_t key = value.varint();
    if (key == (1 << 3 | 2)) {
      out.first = value.text();
    } else if (key == (2 << 3 | 5)) {
      out.second = value.fixed<float>();
      scalar = true;
    } else {
      value.skip(key & 7);
    }
  }
  if (!scalar) return std::nullopt;
  return out;
}

DecodedEvent decode_event(Cursor event) {
  DecodedEvent out;
  while (!event.done()) {
    uint64_t key = event.varint();
    uint32_t field = uint32_t(key >> 3), type = uint32_t(key & 7);
    if (field == 1 && type == 1)
      out.wall_time = event.fixed<double>();
    else if (field == 2 && type == 0)
      out.step = int64_t(event.varint());
    else if (field == 3 && type == 2)
      out.file_version = event.text();
    else if (field == 5 && type == 2) {
      Cursor summary = event.sub();
      while (!summary.done()) {
        uint64_t k = summary.varint();
        if (k == (1 << 3 | 2)) {
          if (auto value = decode_value(summary.sub())) out.values.push_back(*value);
        } else
          summary.skip(k & 7);
      }
    } else if (field == 7 && type == 2) {  // session_log (6 is the deprecated log_message)
      Cursor log = event.sub();
      while (!log.done()) {
        uint64_t k = log.varint();
        if (k == (1 << 3 | 0))
          out.session_status = int(log.varint());
        else
          log.skip(k & 7);
      }
    } else {
      event.skip(type);
    }
  }
  return out;
}

uint32_t read_u32(const std::string& bytes, size_t at) {
  uint32_t value;
  std::memcpy(&value, bytes.data() + at, 4);
  return value;
}

}  // namespace

std::vector<DecodedEvent> read_event_file(const std::string& path) {
  std::string bytes = read_file(path);
  std::vector<DecodedEvent> events;
  size_t at = 0;
  while (at < bytes.size()) {
    std::string where = path + " record " + std::to_string(events.size());
    if (bytes.size() - at < 12) throw std::runtime_error(where + ": truncated header");
    uint64_t length;
    std::memcpy(&length, bytes.data() + at, 8);
    if (read_u32(bytes, at + 8) != masked_crc32c(bytes.data() + at, 8))
      throw std::runtime_error(where + ": bad length CRC");
    if (bytes.size() - at - 12 < length + 4) throw std::runtime_error(where + ": truncated data");
    if (read_u32(bytes, at + 12 + length) != masked_crc32c(bytes.data() + at + 12, length))
      throw std::runtime_error(where + ": bad data CRC");
    events.push_back(decode_event(Cursor(bytes, at + 12, at + 12 + length)));
    at += 12 + length + 4;
  }
  return events;
}

std::vector<std::string> event_files(const std::string& run_dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(run_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("events.out.tfevents.", 0) == 0 && name.find(".forge-") == std::string::npos)
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::map<std::string, std::map<int64_t, float>> tensorboard_scalars(const std::string& run_dir) {
  std::map<std::string, std::map<int64_t, float>> scalars;
  for (const auto& file : event_files(run_dir)) {
    for (const auto& event : read_event_file(file)) {
      if (event.session_status == 1)
        for (auto& [tag, points] : scalars) points.erase(points.lower_bound(event.step), points.end());
      for (const auto& [tag, value] : event.values) scalars[tag][event.step] = value;
    }
  }
  return scalars;
}

std::map<std::string, std::map<int64_t, float>> tensorboard_curves(const std::string& run_dir) {
  auto scalars = tensorboard_scalars(run_dir);
  scalars.erase("train/steps_per_second");
  return scalars;
}

}  // namespace forge::testing
