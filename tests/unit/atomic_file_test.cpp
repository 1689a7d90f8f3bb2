#include "core/atomic_file.hpp"

#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace forge {

TEST(AtomicFile, WritesReplacesAndLeavesNoTempFile) {
  testing::TempDir dir;
  write_file_atomically(dir / "f", "one");
  write_file_atomically(dir / "f", "two");
  EXPECT_EQ(read_file(dir / "f"), "two");
  int entries = 0;
  for (auto& e : boost::filesystem::directory_iterator(dir.path())) (void)e, ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(AtomicFile, FailureNamesThePathAndKeepsOldContent) {
  testing::TempDir dir;
  EXPECT_THROW(write_file_atomically(dir / "missing/f", "x"), Error);
  EXPECT_THROW(read_file(dir / "nothing"), Error);
}

TEST(AtomicFile, CopyKeepsContentAndPermissionBitsAndLeavesNoTempFile) {
  testing::TempDir dir;
  std::string content(3 << 20, 'x');  // more than one read of the copy's buffer
  content[12345] = 'y';
  write_file_atomically(dir / "from", content);
  boost::filesystem::permissions(dir / "from", boost::filesystem::perms(0750));
  copy_file_atomically(dir / "from", dir / "to");
  copy_file_atomically(dir / "from", dir / "to");  // replaces
  EXPECT_EQ(read_file(dir / "to"), content);
  EXPECT_EQ(boost::filesystem::status(dir / "to").permissions(), boost::filesystem::perms(0750));
  int entries = 0;
  for (auto& e : boost::filesystem::directory_iterator(dir.path())) (void)e, ++entries;
  EXPECT_EQ(entries, 2);
}

TEST(AtomicFile, CopyFailureNamesTheFile) {
  testing::TempDir dir;
  try {
    copy_file_atomically(dir / "missing", dir / "to");
    FAIL() << "copied a missing file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "missing"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(boost::filesystem::exists(dir / "to"));
}

// Boost 1.74's copy_file failed here with "Invalid cross-device link": the kernel refuses
// copy_file_range between filesystems and Boost does not fall back.
TEST(AtomicFile, CopiesOntoAnotherFilesystem) {
  testing::TmpfsMount other(8);
  if (!other.mounted()) GTEST_SKIP() << other.why_not();
  testing::TempDir dir;
  write_file_atomically(dir / "from", "across");
  copy_file_atomically(dir / "from", other / "to");
  EXPECT_EQ(read_file(other / "to"), "across");
}

}  // namespace forge
