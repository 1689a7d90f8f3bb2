#include "core/confined_file.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <sys/stat.h>

namespace fs = boost::filesystem;

namespace forge {
namespace {

TEST(ConfinedFile, ReadsRegularFilesBelowTheRootAndNothingElse) {
  testing::TempDir dir;
  testing::write_text(dir / "root/a/file.txt", "inside");
  testing::write_text(dir / "secret.txt", "outside");
  fs::create_symlink(dir / "secret.txt", dir / "root/a/link.txt");
  fs::create_directory_symlink(dir.path(), dir / "root/up");
  ASSERT_EQ(::mkfifo((dir / "root/a/fifo").c_str(), 0600), 0);
  testing::write_text(dir / "root/a/big.txt", std::string(2 << 20, 'x'));

  const ConfinedRead good = read_confined_file(dir / "root", "a/file.txt", 1 << 20);
  ASSERT_TRUE(good.ok) << good.why;
  EXPECT_EQ(good.bytes, "inside");
  const std::vector<std::pair<std::string, std::string>> refused{
      {"a/link.txt", "a link"},
      {"up/secret.txt", "a link or not a folder on the way"},
      {"a/fifo", "not a regular file"},
      {"a/big.txt", "larger than 1 MiB"},
      {"../secret.txt", "not a plain path"},
      {"a//file.txt", "not a plain path"},
      {"a/missing", "No such file"},
  };
  for (const auto& [relative, why] : refused) {
    const ConfinedRead read = read_confined_file(dir / "root", relative, 1 << 20);
    EXPECT_FALSE(read.ok) << relative;
    EXPECT_TRUE(read.bytes.empty()) << relative;
    EXPECT_NE(read.why.find(why), std::string::npos) << relative << ": " << read.why;
  }
  std::vector<std::string> kinds;
  for (const auto& entry : list_confined_folder(dir / "root", "a"))
    kinds.push_back(entry.name + ":" + std::to_string(int(entry.kind)));
  EXPECT_EQ(kinds, (std::vector<std::string>{"big.txt:1", "fifo:3", "file.txt:1", "link.txt:2"}));
  EXPECT_TRUE(list_confined_folder(dir / "root", "up").empty());  // a linked folder is not entered
}

}  // namespace
}  // namespace forge
