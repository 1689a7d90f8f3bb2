// The torch.save reader's parts: the restricted pickle machine, the zip directory (zip64 too),
// and the weights file's checks, on files written here byte by byte.
#include "core/weights_file.hpp"
#include "core/atomic_file.hpp"
#include "core/restricted_pickle.hpp"
#include "core/zip_archive.hpp"
#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

namespace forge {
namespace {

using pickle::Kind;
using pickle::Values;

std::string le(uint64_t value, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out += char((value >> (8 * i)) & 0xFF);
  return out;
}

// A zip archive of stored members; `zip64` writes every size and offset through zip64's
// extra fields and end records, as archives past 4 GiB have them.
std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& members, bool zip64) {
  std::string file, directory;
  for (const auto& [name, data] : members) {
    const uint64_t at = file.size();
    file += le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4) + le(data.size(), 4) +
            le(data.size(), 4) + le(name.size(), 2) + le(0, 2) + name + data;
    const std::string extra = zip64 ? le(1, 2) + le(24, 2) + le(data.size(), 8) + le(data.size(), 8) + le(at, 8) : "";
    const uint64_t small = zip64 ? 0xFFFFFFFF : 0;
    directory += le(0x02014b50, 4) + le(45, 2) + le(45, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4) +
                 le(zip64 ? small : data.size(), 4) + le(zip64 ? small : data.size(), 4) + le(name.size(), 2) +
                 le(extra.size(), 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(zip64 ? small : at, 4) + name +
                 extra;
  }
  const uint64_t directory_at = file.size();
  file += directory;
  if (zip64) {
    const uint64_t record_at = file.size();
    file += le(0x06064b50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) + le(members.size(), 8) +
            le(members.size(), 8) + le(directory.size(), 8) + le(directory_at, 8);
    file += le(0x07064b50, 4) + le(0, 4) + le(record_at, 8) + le(1, 4);
    file += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(0xFFFF, 2) + le(0xFFFF, 2) + le(0xFFFFFFFF, 4) +
            le(0xFFFFFFFF, 4) + le(0, 2);
  } else {
    file += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(members.size(), 2) + le(members.size(), 2) +
            le(directory.size(), 4) + le(directory_at, 4) + le(0, 2);
  }
  return file;
}

// The pickle torch.save writes for {name: tensor} with one float32 storage "0" of `numel`
// elements, the tensor `sizes` with contiguous strides at `offset`.
std::string state_dict_pickle(const std::string& name, int64_t numel, int64_t size, int64_t offset) {
  auto unicode = [](const std::string& text) { return "X" + le(text.size(), 4) + text; };
  auto integer = [](int64_t n) { return "J" + le(uint64_t(n), 4); };
  const std::string hooks = "ccollections\nOrderedDict\n)R";
  return std::string("\x80\x02}") + unicode(name) + "ctorch._utils\n_rebuild_tensor_v2\n((" + unicode("storage") +
         "ctorch\nFloatStorage\n" + unicode("0") + unicode("cpu") + integer(numel) + "tQ" + integer(offset) +
         integer(size) + "\x85" + integer(1) + "\x85" + "\x89" + hooks + "tRs.";
}

std::string write_weights(const testing::TempDir& dir, const std::string& name, const std::string& bytes) {
  testing::write_text(dir / name, bytes);
  return dir / name;
}

std::string floats(std::initializer_list<float> values) {
  std::string out;
  for (float v : values) out.append(reinterpret_cast<const char*>(&v), sizeof v);
  return out;
}

TEST(RestrictedPickle, BuildsPlainValuesAndHandsCallsToTheCaller) {
  // {"a": 7, "b": [pi, True]}, with memo puts, marks and SETITEMS as Python writes them.
  const std::string bytes = std::string("\x80\x02}q") + '\0' + "(X" + le(1, 4) + "a" + "K\x07" + "X" + le(1, 4) + "b" +
                            "]q\x01(G" + "\x40\x09\x21\xfb\x54\x44\x2d\x18" + "\x88" + "eu.";
  pickle::Calls calls{[](Values&, const std::string&, size_t) -> pickle::Value { throw std::runtime_error("no"); },
                      [](Values&, size_t) -> pickle::Value { throw std::runtime_error("no"); }};
  Values values;
  size_t used = 0;
  const size_t root =
      pickle::read_pickle(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), calls, values, &used);
  EXPECT_EQ(used, bytes.size());
  ASSERT_EQ(values[root].kind, Kind::dict);
  ASSERT_EQ(values[root].items.size(), 4u);
  EXPECT_EQ(values[values[root].items[1]].integer, 7);
  const auto& list = values[values[root].items[3]];
  ASSERT_EQ(list.kind, Kind::list);
  EXPECT_DOUBLE_EQ(values[list.items[0]].real, 3.141592653589793);
  EXPECT_EQ(values[list.items[1]].integer, 1);
}

TEST(RestrictedPickle, RefusesWhatAFileOfTensorsDoesNotNeed) {
  pickle::Calls calls{[](Values&, const std::string& global, size_t) -> pickle::Value {
                        throw std::runtime_error("a call of " + global);
                      },
                      [](Values&, size_t) -> pickle::Value { throw std::runtime_error("no"); }};
  const std::vector<std::pair<std::string, std::string>> cases{
      {std::string("\x80\x02R.", 4), "needs a value"},
      {std::string("\x80\x02h") + "\x05.", "a memo reference to nothing"},
      {std::string("\x80\x02X\xff\xff\xff\x7f", 8), "ends inside"},
      {std::string("\x80\x02") + "cposix\nsystem\n)R.", "a call of posix.system"},
      {std::string("\x80\x02\x8b\x00\x00\x00\x00.", 8), "opcode 0x8b"},
      {std::string("\x80\x02\x8a\x09") + std::string(9, '\x01') + ".", "wider than 64 bits"},
      {std::string("\x80\x02)).", 5), "values left"},
  };
  for (const auto& [bytes, message] : cases) {
    Values values;
    size_t used = 0;
    try {
      pickle::read_pickle(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), calls, values, &used);
      ADD_FAILURE() << "read: " << message;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
  // Memory is bounded whatever the pickle holds: two million values at most.
  const std::string many = std::string("\x80\x02") + std::string(2'000'001, ')') + ".";
  Values bounded;
  size_t taken = 0;
  EXPECT_THROW(
      pickle::read_pickle(reinterpret_cast<const unsigned char*>(many.data()), many.size(), calls, bounded, &taken),
      std::runtime_error);
  EXPECT_LE(bounded.size(), 2'000'000u);
  // A tuple nested a million deep costs an arena entry each, and no recursion.
  std::string deep = "\x80\x02)" + std::string(1000000, '\x85') + ".";
  Values values;
  size_t used = 0;
  EXPECT_NO_THROW(
      pickle::read_pickle(reinterpret_cast<const unsigned char*>(deep.data()), deep.size(), calls, values, &used));
  EXPECT_EQ(values.size(), 1000001u);
}

TEST(ZipArchive, ReadsStoredMembersPlainAndZip64) {
  testing::TempDir dir;
  for (const bool zip64 : {false, true}) {
    const std::string path = write_weights(dir, zip64 ? "64.zip" : "32.zip",
                                           stored_zip({{"a/data.pkl", "pickle"}, {"a/data/0", "xyz"}}, zip64));
    const int fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    const auto members = read_zip_members(fd, uint64_t(::lseek(fd, 0, SEEK_END)), path);
    ASSERT_EQ(members.size(), 2u) << zip64;
    EXPECT_EQ(members[1].name, "a/data/0");
    char data[3];
    read_exactly(fd, members[1].offset, data, 3, path);
    EXPECT_EQ(std::string(data, 3), "xyz");
    ::close(fd);
  }
  std::string truncated = stored_zip({{"a/data.pkl", "pickle"}}, false);
  truncated.erase(10, 20);  // the member's data no longer where its header says
  const std::string path = write_weights(dir, "cut.zip", truncated);
  const int fd = ::open(path.c_str(), O_RDONLY);
  EXPECT_THROW(read_zip_members(fd, truncated.size(), path), Error);
  ::close(fd);
}

TEST(WeightsFile, ListsTensorsCheckedAgainstTheirStorage) {
  testing::TempDir dir;
  const std::string good = write_weights(
      dir, "good.pt",
      stored_zip({{"archive/data.pkl", state_dict_pickle("w", 3, 2, 1)}, {"archive/data/0", floats({1, 2, 3})}}, true));
  WeightsFile file(good);
  ASSERT_EQ(file.tensors().size(), 1u);
  const StoredTensor& w = file.tensors()[0];
  EXPECT_EQ(w.name, "w");
  EXPECT_EQ(w.dtype, "float32");
  EXPECT_EQ(w.sizes, std::vector<int64_t>{2});
  EXPECT_EQ(w.storage_offset, 1);
  float read[3];
  file.read_storage(w, read);
  EXPECT_EQ(read[2], 3.0f);

  const std::vector<std::tuple<std::string, int64_t, int64_t, int64_t, std::string>> lies{
      {"claims.pt", 8192, 8192, 0, "claims 8192 elements, more than its 12 bytes hold"},
      {"reaches.pt", 3, 3, 1, "reaching element 3 of storage 0, which holds 3"},
      {"negative.pt", 3, 2, -1, "a negative storage offset"},
  };
  for (const auto& [name, numel, size, offset, message] : lies) {
    const std::string path = write_weights(
        dir, name,
        stored_zip(
            {{"archive/data.pkl", state_dict_pickle("w", numel, size, offset)}, {"archive/data/0", floats({1, 2, 3})}},
            false));
    try {
      WeightsFile lying(path);
      ADD_FAILURE() << name << " was read";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::run);
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
  // {"a": <itself>, "b": <itself>}: refused at once, not walked 2^16 times.
  const std::string cycle =
      std::string("\x80\x02}q") + '\0' + "(X" + le(1, 4) + "ah" + '\0' + "X" + le(1, 4) + "bh" + '\0' + "u.";
  const std::string cyclic =
      write_weights(dir, "cycle.pt", stored_zip({{"archive/data.pkl", cycle}, {"archive/data/0", ""}}, false));
  try {
    WeightsFile looped(cyclic);
    ADD_FAILURE() << "a dict inside itself was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("a dict that holds itself"), std::string::npos) << e.what();
  }
  const std::string no_record =
      write_weights(dir, "no_record.pt", stored_zip({{"archive/data.pkl", state_dict_pickle("w", 3, 3, 0)}}, false));
  EXPECT_THROW(WeightsFile{no_record}, Error);
}

}  // namespace
}  // namespace forge
