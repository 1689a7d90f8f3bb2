#include "core/atomic_file.hpp"

#include "test_support.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>
#include <gtest/gtest.h>

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

}  // namespace forge
