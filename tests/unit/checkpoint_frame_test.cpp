#include "runs/checkpoint_frame.hpp"

#include "checkpoint_edits.hpp"
#include "core/atomic_file.hpp"
#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <cstring>
#include <vector>

namespace forge {
namespace {

struct Written {
  std::vector<float> weights{1.5f, -2.0f, 3.25f};
  std::vector<int64_t> counts{7, 8};
  std::string path;

  explicit Written(const testing::TempDir& dir) : path(dir / "checkpoints/step-1.ckpt") {
    write_checkpoint_file(path, {{"step", 1}},
                          {{"w", {"float32", {3}, weights.data(), 12}}, {"n", {"int64", {1, 2}, counts.data(), 16}}});
  }
};

ExitCode read_error(const std::string& path) {
  try {
    read_checkpoint_file(path);
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

// The file with its index replaced by `index` (same length or not) and every checksum made
// right again: what a hostile writer can produce.
std::string with_index(const std::string& file, const std::string& index) {
  const uint64_t old_index = testing::read_le64(file, 16), data = testing::read_le64(file, 24);
  const uint64_t old_start = (64 + old_index + 63) / 64 * 64, new_start = (64 + index.size() + 63) / 64 * 64;
  std::string out =
      file.substr(0, 64) + index + std::string(new_start - 64 - index.size(), '\0') + file.substr(old_start, data);
  testing::write_le(out, 16, index.size(), 8);
  testing::make_checksums_right(out);
  return out;
}

}  // namespace

TEST(CheckpointFrame, TensorsComeBackAlignedWithTheirTypesShapesAndMeta) {
  testing::TempDir dir;
  Written w(dir);
  CheckpointContents read = read_checkpoint_file(w.path);
  EXPECT_EQ(read.format, 2);
  EXPECT_EQ(read.meta["step"], 1);
  ASSERT_EQ(read.tensors.size(), 2u);
  const CheckpointTensor& weights = read.tensors.at("w");
  EXPECT_EQ(weights.dtype, "float32");
  EXPECT_EQ(weights.shape, std::vector<int64_t>{3});
  EXPECT_EQ(std::memcmp(weights.data, w.weights.data(), 12), 0);
  EXPECT_EQ(read.tensors.at("n").shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(std::memcmp(read.tensors.at("n").data, w.counts.data(), 16), 0);
  for (const auto& [name, tensor] : read.tensors)
    EXPECT_EQ(reinterpret_cast<uintptr_t>(tensor.data) % 64, 0u) << name << " can be used in place";
  EXPECT_EQ(read_checkpoint_meta(w.path)->at("step"), 1);
}

TEST(CheckpointFrame, MetaIsReadWithoutTheData) {
  testing::TempDir dir;
  Written w(dir);
  std::string file = read_file(w.path);
  file[file.size() - 1] ^= 1;  // damaged data: only a whole read notices
  write_file_atomically(w.path, file);
  EXPECT_EQ(read_checkpoint_meta(w.path)->at("step"), 1);
  EXPECT_EQ(read_error(w.path), ExitCode::run);
}

TEST(CheckpointFrame, TruncatedOrFlippedAnywhereIsARunError) {
  testing::TempDir dir;
  Written w(dir);
  const std::string good = read_file(w.path);
  for (size_t cut : {size_t(0), size_t(10), size_t(63), size_t(64), good.size() / 2, good.size() - 1}) {
    write_file_atomically(w.path, good.substr(0, cut));
    EXPECT_EQ(read_error(w.path), ExitCode::run) << "cut at " << cut;
  }
  for (size_t at = 0; at < good.size(); at += 7) {
    std::string flipped = good;
    flipped[at] ^= 0x10;
    write_file_atomically(w.path, flipped);
    EXPECT_EQ(read_error(w.path), ExitCode::run) << "byte " << at << " flipped";
  }
  write_file_atomically(w.path, good + "x");
  EXPECT_EQ(read_error(w.path), ExitCode::run) << "trailing data";
}

TEST(CheckpointFrame, AnIndexThatLiesIsARunErrorNotARead) {
  testing::TempDir dir;
  Written w(dir);
  const std::string good = read_file(w.path);
  auto tensor = [](const std::string& dtype, const std::string& shape, uint64_t offset, uint64_t bytes) {
    return R"({"meta":{},"tensors":[{"name":"w","dtype":")" + dtype + R"(","shape":)" + shape + R"(,"offset":)" +
           std::to_string(offset) + R"(,"bytes":)" + std::to_string(bytes) + "}]}";
  };
  const std::vector<std::string> lies{
      tensor("float32", "[3]", 64 * 1000, 12),                 // beyond the data
      tensor("float32", "[3]", 0, 16),                         // bytes that do not match the shape
      tensor("float32", "[4611686018427387904,4]", 0, 0),      // a count that overflows
      tensor("float32", "[-3]", 0, 12),                        // a negative extent
      tensor("float128", "[3]", 0, 48),                        // a type forge does not know
      tensor("float32", "[3]", 4, 12),                         // misaligned
      R"({"meta":{},"tensors":[{"name":"w"},{"name":"w"}]})",  // malformed entries
      R"({"meta":[],"tensors":{}})",                           // the wrong shape of index
      "not json at all",
  };
  for (const auto& lie : lies) {
    write_file_atomically(w.path, with_index(good, lie));
    EXPECT_EQ(read_error(w.path), ExitCode::run) << lie;
  }
  write_file_atomically(w.path, with_index(good, tensor("float32", "[3]", 0, 12)));
  EXPECT_EQ(read_error(w.path), ExitCode::ok) << "the same edit, telling the truth, reads";
}

TEST(CheckpointFrame, AFullDiskFailsTheWriteAndLeavesTheOldFileAndNoTemporaryFile) {
  testing::TmpfsMount disk(1);
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  const std::string path = disk / "checkpoints/step-1.ckpt";
  std::vector<float> small(16, 1.0f), big(1 << 20, 2.0f);  // 64 B, then 4 MiB on a 1 MiB disk
  write_checkpoint_file(path, {}, {{"w", {"float32", {16}, small.data(), 64}}});
  const std::string before = read_file(path);
  try {
    write_checkpoint_file(path, {}, {{"w", {"float32", {1 << 20}, big.data(), 4 << 20}}});
    FAIL() << "the write did not fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(path), before);
  size_t others = 0;
  for (const auto& entry : boost::filesystem::directory_iterator(disk / "checkpoints")) others += entry.path() != path;
  EXPECT_EQ(others, 0u) << "the temporary file is removed";
}

}  // namespace forge
