#include "core/weights_file.hpp"

#include "core/atomic_file.hpp"
#include "core/restricted_pickle.hpp"
#include "core/zip_archive.hpp"

#include <forge/error.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>

namespace forge {
namespace {

using pickle::Kind;
using pickle::Value;
using pickle::Values;

// A state_dict's pickle holds a few hundred bytes per tensor: 64 MiB is some 300,000 tensors.
constexpr uint64_t largest_pickle = uint64_t(64) << 20;
constexpr size_t deepest_names = 16;  // dicts within dicts; a state_dict has one, a training checkpoint two or three
constexpr size_t most_dimensions = 64;

// The first bytes of a legacy file: pickle protocol 2, LONG1 of torch's magic number, STOP.
constexpr unsigned char legacy_magic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                          0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};

struct StorageType {
  const char* dtype;
  int element_size;
};

const std::map<std::string, StorageType>& storage_types() {
  static const std::map<std::string, StorageType> types{
      {"torch.FloatStorage", {"float32", 4}}, {"torch.DoubleStorage", {"float64", 8}},
      {"torch.HalfStorage", {"float16", 2}},  {"torch.BFloat16Storage", {"bfloat16", 2}},
      {"torch.LongStorage", {"int64", 8}},    {"torch.IntStorage", {"int32", 4}},
      {"torch.ShortStorage", {"int16", 2}},   {"torch.CharStorage", {"int8", 1}},
      {"torch.ByteStorage", {"uint8", 1}},    {"torch.BoolStorage", {"bool", 1}},
      {"torch.UntypedStorage", {"uint8", 1}},
  };
  return types;
}

struct Storage {
  std::string key;
  StorageType type;
  uint64_t elements = 0;  // as the pickle declares them
  uint64_t at = 0, record_bytes = 0;
  bool located = false;
};

struct TensorRecord {
  size_t storage = 0;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};

// The pickle's calls and persistent ids, allowed only as torch.save writes them for tensors.
class TensorPickle {
 public:
  pickle::Calls calls() {
    return {[this](Values& values, const std::string& global, size_t arguments) {
              return reduce(values, global, values[arguments].items);
            },
            [this](Values& values, size_t id) { return persistent(values, id); }};
  }

  std::vector<Storage> storages;
  std::map<std::string, size_t> storage_by_key;
  std::vector<TensorRecord> records;

 private:
  static int64_t integer_of(const Values& values, size_t index, const char* what) {
    if (values[index].kind != Kind::integer && values[index].kind != Kind::boolean)
      throw std::runtime_error(std::string(what) + " is " + pickle::kind_name(values[index]) + ", not an integer");
    return values[index].integer;
  }
  static std::vector<int64_t> integers_of(const Values& values, size_t index, const char* what) {
    if (values[index].kind != Kind::tuple && values[index].kind != Kind::list)
      throw std::runtime_error(std::string(what) + " is " + pickle::kind_name(values[index]) + ", not a tuple");
    if (values[index].items.size() > most_dimensions)
      throw std::runtime_error(std::string(what) + " has more than " + std::to_string(most_dimensions) + " dimensions");
    std::vector<int64_t> out;
    for (size_t item : values[index].items) out.push_back(integer_of(values, item, what));
    return out;
  }
  static Value object(const char* kind, size_t number) {
    Value value{Kind::object, int64_t(number)};
    value.text = kind;
    return value;
  }
  static bool is_object(const Value& value, const char* kind) {
    return value.kind == Kind::object && value.text == kind;
  }

  Value persistent(Values& values, size_t id) {
    const Value& tuple = values[id];
    if (tuple.kind != Kind::tuple || tuple.items.size() < 5 || tuple.items.size() > 6 ||
        values[tuple.items[0]].kind != Kind::text || values[tuple.items[0]].text != "storage")
      throw std::runtime_error("a persistent id that is not a storage's");
    const Value& type = values[tuple.items[1]];
    auto found = type.kind == Kind::global ? storage_types().find(type.text) : storage_types().end();
    if (found == storage_types().end())
      throw std::runtime_error("a storage of " + pickle::kind_name(type) + ", not of a plain dtype");
    if (values[tuple.items[2]].kind != Kind::text) throw std::runtime_error("a storage whose key is not a string");
    if (tuple.items.size() == 6 && values[tuple.items[5]].kind != Kind::none)
      throw std::runtime_error("a storage view (torch.save before 1.0), which this reader does not take");
    const int64_t elements = integer_of(values, tuple.items[4], "a storage's size");
    if (elements < 0) throw std::runtime_error("a storage of negative size");
    const std::string& key = values[tuple.items[2]].text;
    // Tensors that share a storage name it again.
    const auto [known, added] = storage_by_key.emplace(key, storages.size());
    if (!added) {
      const Storage& storage = storages[known->second];
      if (storage.elements != uint64_t(elements) || storage.type.dtype != found->second.dtype)
        throw std::runtime_error("storage " + key + " declared twice, differently");
      return object("storage", known->second);
    }
    storages.push_back({key, found->second, uint64_t(elements)});
    return object("storage", storages.size() - 1);
  }

  Value reduce(Values& values, const std::string& global, const std::vector<size_t>& args) {
    if (global == "collections.OrderedDict" && args.empty()) return Value{Kind::dict};
    if (global == "torch._utils._rebuild_tensor_v2" || global == "torch._utils._rebuild_tensor") {
      const size_t wanted = global == "torch._utils._rebuild_tensor" ? 4 : 6;
      if (args.size() != wanted && !(wanted == 6 && args.size() == 7))
        throw std::runtime_error(global + " with " + std::to_string(args.size()) + " arguments");
      if (!is_object(values[args[0]], "storage")) throw std::runtime_error(global + " of something that is no storage");
      TensorRecord record{size_t(values[args[0]].integer), integer_of(values, args[1], "a storage offset"),
                          integers_of(values, args[2], "a tensor's size"), integers_of(values, args[3], "a stride")};
      if (record.sizes.size() != record.strides.size())
        throw std::runtime_error("a tensor with " + std::to_string(record.sizes.size()) + " sizes and " +
                                 std::to_string(record.strides.size()) + " strides");
      records.push_back(std::move(record));
      return object("tensor", records.size() - 1);
    }
    if (global == "torch._utils._rebuild_parameter" || global == "torch._utils._rebuild_parameter_with_state") {
      if (args.size() < 3 || args.size() > 4 || !is_object(values[args[0]], "tensor"))
        throw std::runtime_error(global + " of something that is no tensor");
      return values[args[0]];
    }
    throw std::runtime_error("a call of " + global + ", which a file of tensors does not need");
  }
};

uint64_t file_size_of(int fd, const std::string& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw Error(ExitCode::run, "cannot read " + path + ": " + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) throw Error(ExitCode::run, path + " is not a regular file");
  return uint64_t(info.st_size);
}

// Checks that the tensor lies inside its storage, and the storage inside its record.
void check_extent(const TensorRecord& record, const Storage& storage) {
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(storage.elements, uint64_t(storage.type.element_size), &bytes) ||
      bytes > storage.record_bytes)
    throw std::runtime_error("storage " + storage.key + " claims " + std::to_string(storage.elements) +
                             " elements, more than its " + std::to_string(storage.record_bytes) + " bytes hold");
  if (record.offset < 0) throw std::runtime_error("a negative storage offset");
  uint64_t elements = 1, last = uint64_t(record.offset);
  for (size_t d = 0; d < record.sizes.size(); ++d) {
    if (record.sizes[d] < 0 || record.strides[d] < 0) throw std::runtime_error("a negative size or stride");
    if (__builtin_mul_overflow(elements, uint64_t(record.sizes[d]), &elements))
      throw std::runtime_error("a tensor of more elements than 64 bits count");
  }
  if (elements == 0) return;
  for (size_t d = 0; d < record.sizes.size(); ++d) {
    uint64_t reach = 0;
    if (__builtin_mul_overflow(uint64_t(record.sizes[d] - 1), uint64_t(record.strides[d]), &reach) ||
        __builtin_add_overflow(last, reach, &last))
      throw std::runtime_error("a tensor that reaches past 64 bits of storage");
  }
  if (last >= storage.elements || elements > storage.elements)
    throw std::runtime_error("a tensor of " + std::to_string(elements) + " elements reaching element " +
                             std::to_string(last) + " of storage " + storage.key + ", which holds " +
                             std::to_string(storage.elements));
}

// The tensors of the dict `index` by name, nested dicts' names joined with ".". Each dict is
// walked once: a dict the memo puts inside itself, or in two places, would make the walk
// exponential.
void collect(const Values& values, size_t index, const std::string& prefix, size_t depth, const TensorPickle& pickled,
             std::set<size_t>& walked, std::vector<StoredTensor>& out) {
  if (depth > deepest_names) throw std::runtime_error("dicts nested deeper than " + std::to_string(deepest_names));
  if (!walked.insert(index).second) throw std::runtime_error("a dict that holds itself, or stands in two places");
  const Value& dict = values[index];
  for (size_t i = 0; i + 1 < dict.items.size(); i += 2) {
    const Value& key = values[dict.items[i]];
    if (key.kind != Kind::text)
      throw std::runtime_error("a key that is " + pickle::kind_name(key) +
                               ", not a name (save the model's state_dict())");
    const std::string name = prefix + key.text;
    const Value& value = values[dict.items[i + 1]];
    if (value.kind == Kind::dict) {
      collect(values, dict.items[i + 1], name + ".", depth + 1, pickled, walked, out);
      continue;
    }
    if (value.kind != Kind::object || value.text != "tensor")
      throw std::runtime_error("entry " + name + " is " + pickle::kind_name(value) +
                               ", not a tensor (save the model's state_dict())");
    const TensorRecord& record = pickled.records[size_t(value.integer)];
    const Storage& storage = pickled.storages[record.storage];
    check_extent(record, storage);
    out.push_back({name, storage.type.dtype, storage.type.element_size, record.sizes, record.strides, record.offset,
                   storage.at, storage.elements});
  }
}

std::vector<unsigned char> pickle_window(int fd, uint64_t offset, uint64_t size, const std::string& path) {
  std::vector<unsigned char> bytes(size_t(std::min(size, largest_pickle)));
  read_exactly(fd, offset, bytes.data(), bytes.size(), path);
  return bytes;
}

std::vector<StoredTensor> tensors_of(const Values& values, size_t root, const TensorPickle& pickled) {
  if (values[root].kind != Kind::dict)
    throw std::runtime_error("it holds " + pickle::kind_name(values[root]) +
                             ", not a state_dict (a dict of tensors by name)");
  std::vector<StoredTensor> tensors;
  std::set<size_t> walked;
  collect(values, root, "", 0, pickled, walked, tensors);
  std::set<std::string> names;
  for (const auto& tensor : tensors)
    if (!names.insert(tensor.name).second) throw std::runtime_error("two tensors named " + tensor.name);
  return tensors;
}

// PyTorch 1.6 on: <archive>/data.pkl, each storage in <archive>/data/<key>, stored.
std::vector<StoredTensor> read_zip_format(int fd, uint64_t file_size, const std::string& path) {
  std::map<std::string, ZipMember> members;
  std::string archive;
  for (ZipMember& member : read_zip_members(fd, file_size, path)) {
    const size_t slash = member.name.find('/');
    if (slash != std::string::npos && member.name.substr(slash) == "/data.pkl") archive = member.name.substr(0, slash);
    members[member.name] = member;
  }
  if (archive.empty()) throw std::runtime_error("a zip archive without data.pkl: not written by torch.save");
  if (auto order = members.find(archive + "/byteorder"); order != members.end()) {
    char text[8] = {};
    if (order->second.size > 7) throw std::runtime_error("its byteorder record is not 'little'");
    read_exactly(fd, order->second.offset, text, size_t(order->second.size), path);
    if (std::string(text) != "little")
      throw std::runtime_error("it was written big-endian, which this reader does not take");
  }
  const ZipMember& data = members.at(archive + "/data.pkl");
  if (data.size > largest_pickle) throw std::runtime_error("its pickle is larger than a state_dict's (64 MiB)");
  const std::vector<unsigned char> bytes = pickle_window(fd, data.offset, data.size, path);
  TensorPickle pickled;
  Values values;
  size_t used = 0;
  const size_t root = pickle::read_pickle(bytes.data(), bytes.size(), pickled.calls(), values, &used);
  for (Storage& storage : pickled.storages) {
    auto found = members.find(archive + "/data/" + storage.key);
    if (found == members.end()) throw std::runtime_error("storage " + storage.key + " has no record in the archive");
    storage.at = found->second.offset;
    storage.record_bytes = found->second.size;
  }
  return tensors_of(values, root, pickled);
}

// Before 1.6: pickles of the magic number, the protocol version, the system's facts, the object
// and the storages' keys, then each storage in that order: its element count (8 bytes) and data.
std::vector<StoredTensor> read_legacy_format(int fd, uint64_t file_size, const std::string& path) {
  const std::vector<unsigned char> bytes = pickle_window(fd, 0, file_size, path);
  TensorPickle pickled;
  Values values;
  size_t at = sizeof legacy_magic, used = 0, root = 0, keys = 0;
  pickle::Calls plain{[](Values&, const std::string& global, size_t) -> Value {
                        throw std::runtime_error("a call of " + global + " before the tensors");
                      },
                      [](Values&, size_t) -> Value { throw std::runtime_error("a persistent id before the tensors"); }};
  for (int part = 0; part < 4; ++part) {
    const size_t value =
        pickle::read_pickle(bytes.data() + at, bytes.size() - at, part == 2 ? pickled.calls() : plain, values, &used);
    at += used;
    if (part == 0 && (values[value].kind != Kind::integer || values[value].integer != 1001))
      throw std::runtime_error("a legacy torch.save file of an unknown protocol");
    if (part == 2) root = value;
    if (part == 3) keys = value;
  }
  if (values[keys].kind != Kind::list)
    throw std::runtime_error("its list of storages is " + pickle::kind_name(values[keys]));
  uint64_t position = at;
  for (size_t key : values[keys].items) {
    if (values[key].kind != Kind::text) throw std::runtime_error("a storage key that is not a string");
    auto known = pickled.storage_by_key.find(values[key].text);
    Storage* storage = known == pickled.storage_by_key.end() ? nullptr : &pickled.storages[known->second];
    if (!storage || storage->located)
      throw std::runtime_error("storage " + values[key].text + " listed but not used once");
    unsigned char count[8];
    if (file_size - std::min(file_size, position) < 8) throw std::runtime_error("the file ends before its storages");
    read_exactly(fd, position, count, 8, path);
    uint64_t elements = 0;
    for (int i = 7; i >= 0; --i) elements = (elements << 8) | count[i];
    if (elements != storage->elements)
      throw std::runtime_error("storage " + storage->key + "'s size differs from its record's");
    storage->at = position + 8;
    storage->record_bytes = file_size - storage->at;
    storage->located = true;
    uint64_t bytes_of = 0;
    if (__builtin_mul_overflow(elements, uint64_t(storage->type.element_size), &bytes_of) ||
        bytes_of > storage->record_bytes)
      throw std::runtime_error("storage " + storage->key + " runs past the end of the file");
    position = storage->at + bytes_of;
  }
  for (const Storage& storage : pickled.storages)
    if (!storage.located) throw std::runtime_error("storage " + storage.key + " is not in the file");
  return tensors_of(values, root, pickled);
}

bool starts_legacy(int fd) {
  unsigned char head[sizeof legacy_magic];
  return ::pread(fd, head, sizeof head, 0) == ssize_t(sizeof head) && std::memcmp(head, legacy_magic, sizeof head) == 0;
}

}  // namespace

WeightsFile::WeightsFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(ExitCode::run, "cannot read weights file " + path + ": " + std::strerror(errno));
  try {
    const uint64_t size = file_size_of(fd_, path);
    if (starts_zip_archive(fd_)) {
      tensors_ = read_zip_format(fd_, size, path);
    } else if (starts_legacy(fd_)) {
      tensors_ = read_legacy_format(fd_, size, path);
    } else {
      throw std::runtime_error("it is neither a forge checkpoint nor a file torch.save wrote");
    }
  } catch (const std::exception& e) {
    ::close(fd_);
    fd_ = -1;
    const auto* error = dynamic_cast<const Error*>(&e);
    throw Error(ExitCode::run, error ? e.what() : "weights file " + path + " refused: " + e.what());
  }
}

WeightsFile::~WeightsFile() {
  if (fd_ >= 0) ::close(fd_);
}

void WeightsFile::read_storage(const StoredTensor& tensor, void* into) const {
  read_exactly(fd_, tensor.storage_at, into, size_t(tensor.storage_elements) * size_t(tensor.element_size), path_);
}

}  // namespace forge
