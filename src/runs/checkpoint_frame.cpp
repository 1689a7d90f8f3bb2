#include "runs/checkpoint_frame.hpp"

#include "core/atomic_file.hpp"
#include "core/crc32c.hpp"

#include <forge/error.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/crc.hpp>
#include <boost/filesystem.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace forge {
namespace {

const std::string magic_v1 = "FORGECKPT1\n";
const std::string magic_v2 = "FORGECKPT2\n";
constexpr size_t header_v1 = 11 + 8 + 4;
constexpr size_t header_v2 = 64;
constexpr size_t alignment = 64;
constexpr size_t header_checked_bytes = 40;  // what the header's own CRC covers
// Reads and writes go in pieces this big: each piece is checksummed while it is in the cache.
constexpr size_t piece = size_t(1) << 20;

uint64_t aligned(uint64_t offset) { return (offset + alignment - 1) / alignment * alignment; }

void put_le(unsigned char* at, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) at[i] = static_cast<unsigned char>((value >> (8 * i)) & 0xff);
}

uint64_t get_le(const unsigned char* at, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint64_t(at[i]) << (8 * i);
  return value;
}

[[noreturn]] void damaged(const std::string& path, const std::string& why) {
  throw Error(ExitCode::run, "checkpoint " + path + " " + why);
}

// --- writing --------------------------------------------------------------------------------

struct IndexedTensor {
  const std::string* name;
  const CheckpointTensor* tensor;
  uint64_t offset;
};

// Writes `bytes` at the file's current position, extending `crc` with them piece by piece.
void write_checked(int fd, const void* data, uint64_t bytes, uint32_t& crc, const std::string& temp) {
  const auto* at = static_cast<const char*>(data);
  for (uint64_t done = 0; done < bytes;) {
    const size_t n = size_t(std::min<uint64_t>(piece, bytes - done));
    crc = crc32c_extend(crc, at + done, n);
    write_all(fd, std::string_view(at + done, n), temp);
    done += n;
  }
}

void write_zeros(int fd, uint64_t count, uint32_t& crc, const std::string& temp) {
  static const char zeros[alignment] = {};
  write_checked(fd, zeros, count, crc, temp);
}

}  // namespace

const std::map<std::string, size_t>& checkpoint_dtypes() {
  static const std::map<std::string, size_t> sizes{
      {"float64", 8}, {"float32", 4}, {"float16", 2}, {"bfloat16", 2}, {"int64", 8},     {"int32", 4},
      {"int16", 2},   {"int8", 1},    {"uint8", 1},   {"bool", 1},     {"complex64", 8}, {"complex128", 16}};
  return sizes;
}

void write_checkpoint_file(const std::string& path, const nlohmann::json& meta,
                           const std::vector<std::pair<std::string, CheckpointTensor>>& tensors) {
  std::vector<IndexedTensor> placed;
  nlohmann::json entries = nlohmann::json::array();
  uint64_t data_bytes = 0;
  for (const auto& [name, tensor] : tensors) {
    data_bytes = aligned(data_bytes);
    placed.push_back({&name, &tensor, data_bytes});
    entries.push_back({{"name", name},
                       {"dtype", tensor.dtype},
                       {"shape", tensor.shape},
                       {"offset", data_bytes},
                       {"bytes", tensor.bytes}});
    data_bytes += tensor.bytes;
  }
  const std::string index = nlohmann::json{{"tensors", entries}, {"meta", meta}}.dump();
  const uint64_t data_start = aligned(header_v2 + index.size());

  boost::filesystem::create_directories(boost::filesystem::path(path).parent_path());
  replace_file_atomically(path, [&](int fd, const std::string& temp) {
    // The header is written last, in place, once the data's checksum is known.
    uint32_t ignored = 0, data_crc = 0;
    write_zeros(fd, header_v2, ignored, temp);
    write_all(fd, index, temp);
    write_zeros(fd, data_start - header_v2 - index.size(), ignored, temp);
    uint64_t written = 0;
    for (const IndexedTensor& t : placed) {
      write_zeros(fd, t.offset - written, data_crc, temp);
      write_checked(fd, t.tensor->data, t.tensor->bytes, data_crc, temp);
      written = t.offset + t.tensor->bytes;
    }
    unsigned char header[header_v2] = {};
    std::memcpy(header, magic_v2.data(), magic_v2.size());
    put_le(header + 16, index.size(), 8);
    put_le(header + 24, data_bytes, 8);
    put_le(header + 32, crc32c(index.data(), index.size()), 4);
    put_le(header + 36, data_crc, 4);
    put_le(header + 40, crc32c(header, header_checked_bytes), 4);
    if (::pwrite(fd, header, header_v2, 0) != ssize_t(header_v2))
      throw Error(ExitCode::failure, "cannot write " + temp + ": " + std::strerror(errno));
  });
}

// --- reading --------------------------------------------------------------------------------

namespace {

// An open checkpoint file, closed when it goes.
class CheckpointReader {
 public:
  explicit CheckpointReader(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat info {};
    if (fd_ < 0 || ::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode)) {
      if (fd_ >= 0) ::close(fd_);
      throw Error(ExitCode::run, "checkpoint " + path_ + " does not exist");
    }
    size_ = uint64_t(info.st_size);
  }
  ~CheckpointReader() { ::close(fd_); }
  CheckpointReader(const CheckpointReader&) = delete;
  CheckpointReader& operator=(const CheckpointReader&) = delete;

  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Reads `bytes` at `offset` into `into`, returning their CRC-32C extended from `crc`.
  uint32_t read(void* into, uint64_t offset, uint64_t bytes, uint32_t crc = 0) const {
    auto* at = static_cast<char*>(into);
    for (uint64_t done = 0; done < bytes;) {
      ssize_t n = ::pread(fd_, at + done, size_t(std::min<uint64_t>(piece, bytes - done)), off_t(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw Error(ExitCode::run, "cannot read checkpoint " + path_ + ": " + std::strerror(errno));
      if (n == 0) damaged(path_, "is truncated");
      crc = crc32c_extend(crc, at + done, size_t(n));
      done += uint64_t(n);
    }
    return crc;
  }

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// Memory for a checkpoint's data, aligned for its tensors to be used in place. (Not advised
// onto huge pages: where the kernel compacts memory for those on demand, a load then stalls
// for seconds at random.)
std::shared_ptr<void> allocate_data(uint64_t bytes, const std::string& path) {
  const uint64_t size = aligned(std::max<uint64_t>(bytes, 1));
  void* memory = size < bytes ? nullptr : std::aligned_alloc(alignment, size);
  if (!memory) damaged(path, "is too big to load into memory (" + std::to_string(bytes) + " bytes of data)");
  return std::shared_ptr<void>(memory, std::free);
}

struct HeaderV2 {
  uint64_t index_bytes, data_bytes, data_start;
  uint32_t index_crc, data_crc;
};

// Format 1: the whole payload, its CRC-32 checked.
CheckpointContents read_v1(const CheckpointReader& file) {
  unsigned char header[header_v1];
  file.read(header, 0, header_v1);
  const uint64_t length = get_le(header + 11, 8);
  const auto expected_crc = static_cast<uint32_t>(get_le(header + 19, 4));
  if (length != file.size() - header_v1)
    damaged(file.path(), "is truncated (" + std::to_string(file.size()) + " bytes, expected " +
                             std::to_string(header_v1 + length) + ")");
  CheckpointContents contents;
  contents.format = 1;
  contents.archive.resize(length);
  file.read(contents.archive.data(), header_v1, length);
  boost::crc_32_type crc;
  crc.process_bytes(contents.archive.data(), contents.archive.size());
  if (crc.checksum() != expected_crc) damaged(file.path(), "is corrupted (checksum mismatch)");
  return contents;
}

// The format, from the file's first bytes: 1, 2, or a damaged() error.
int read_format(const CheckpointReader& file) {
  char start[11];
  if (file.size() < header_v1) damaged(file.path(), "is not a forge checkpoint or is truncated");
  file.read(start, 0, sizeof start);
  if (magic_v1.compare(0, 11, start, 11) == 0) return 1;
  if (magic_v2.compare(0, 11, start, 11) == 0 && file.size() >= header_v2) return 2;
  damaged(file.path(), "is not a forge checkpoint or is truncated");
}

HeaderV2 read_header_v2(const CheckpointReader& file) {
  unsigned char header[header_v2];
  file.read(header, 0, header_v2);
  if (get_le(header + 40, 4) != crc32c(header, header_checked_bytes) ||
      std::any_of(header + 44, header + header_v2, [](unsigned char b) { return b != 0; }))
    damaged(file.path(), "is corrupted (checksum mismatch in its header)");
  HeaderV2 h{get_le(header + 16, 8), get_le(header + 24, 8), 0, uint32_t(get_le(header + 32, 4)),
             uint32_t(get_le(header + 36, 4))};
  const uint64_t room = file.size() - header_v2;
  if (h.index_bytes > room || h.data_bytes > room)
    damaged(file.path(), "is truncated (" + std::to_string(file.size()) + " bytes)");
  h.data_start = aligned(header_v2 + h.index_bytes);
  if (h.data_start > file.size() || file.size() - h.data_start != h.data_bytes)
    damaged(file.path(), "is truncated (" + std::to_string(file.size()) + " bytes, expected " +
                             std::to_string(h.data_start + h.data_bytes) + ")");
  return h;
}

nlohmann::json read_index(const CheckpointReader& file, const HeaderV2& h) {
  // The index and the zeros after it: every byte of the file is checked by something.
  std::string index(h.data_start - header_v2, '\0');
  file.read(index.data(), header_v2, index.size());
  if (crc32c(index.data(), h.index_bytes) != h.index_crc ||
      index.find_first_not_of('\0', h.index_bytes) != std::string::npos)
    damaged(file.path(), "is corrupted (checksum mismatch in its index)");
  index.resize(h.index_bytes);
  nlohmann::json parsed = nlohmann::json::parse(index, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("tensors") || !parsed["tensors"].is_array() ||
      !parsed.contains("meta") || !parsed["meta"].is_object())
    damaged(file.path(), "has a malformed index");
  return parsed;
}

// A tensor entry of the index, checked against the data it points into.
CheckpointTensor tensor_entry(const nlohmann::json& entry, const char* data, uint64_t data_bytes,
                              const std::string& path) {
  auto bad = [&] { damaged(path, "has a malformed index entry: " + entry.dump().substr(0, 200)); };
  if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() || !entry.contains("shape") ||
      !entry["shape"].is_array() || !entry.contains("offset") || !entry["offset"].is_number_unsigned() ||
      !entry.contains("bytes") || !entry["bytes"].is_number_unsigned())
    bad();
  CheckpointTensor tensor;
  tensor.dtype = entry["dtype"].get<std::string>();
  auto size = checkpoint_dtypes().find(tensor.dtype);
  if (size == checkpoint_dtypes().end()) bad();
  uint64_t count = 1;
  for (const auto& d : entry["shape"]) {
    if (!d.is_number_unsigned()) bad();
    const uint64_t extent = d.get<uint64_t>();
    if (extent > uint64_t(INT64_MAX) || __builtin_mul_overflow(count, extent, &count)) bad();
    tensor.shape.push_back(int64_t(extent));
  }
  const uint64_t offset = entry["offset"].get<uint64_t>();
  tensor.bytes = entry["bytes"].get<uint64_t>();
  uint64_t expected_bytes;
  if (__builtin_mul_overflow(count, uint64_t(size->second), &expected_bytes) || expected_bytes != tensor.bytes ||
      offset % alignment != 0 || offset > data_bytes || tensor.bytes > data_bytes - offset)
    bad();
  tensor.data = data + offset;
  return tensor;
}

CheckpointContents read_v2(const CheckpointReader& file) {
  const HeaderV2 h = read_header_v2(file);
  nlohmann::json index = read_index(file, h);
  CheckpointContents contents;
  contents.format = 2;
  contents.meta = std::move(index["meta"]);
  contents.memory = allocate_data(h.data_bytes, file.path());
  auto* data = static_cast<char*>(contents.memory.get());
  if (file.read(data, h.data_start, h.data_bytes) != h.data_crc)
    damaged(file.path(), "is corrupted (checksum mismatch)");
  for (const auto& entry : index["tensors"]) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string())
      damaged(file.path(), "has a malformed index entry");
    const std::string name = entry["name"].get<std::string>();
    if (!contents.tensors.emplace(name, tensor_entry(entry, data, h.data_bytes, file.path())).second)
      damaged(file.path(), "names tensor " + name + " twice");
  }
  return contents;
}

}  // namespace

CheckpointContents read_checkpoint_file(const std::string& path) {
  CheckpointReader file(path);
  return read_format(file) == 1 ? read_v1(file) : read_v2(file);
}

std::optional<nlohmann::json> read_checkpoint_meta(const std::string& path) {
  CheckpointReader file(path);
  if (read_format(file) == 1) return std::nullopt;
  nlohmann::json index = read_index(file, read_header_v2(file));
  return std::move(index["meta"]);
}

}  // namespace forge
