#include "runs/run_summary.hpp"

#include "core/text_table.hpp"
#include "runs/manifest.hpp"
#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

TEST(RunSummary, FindsRunsInNaturalOrderAndNotInsideRuns) {
  testing::TempDir dir;
  for (const char* run : {"exp/10", "exp/2", "exp/1", "other/3"}) {
    fs::create_directories(dir / (std::string(run) + "/plugins"));
    write_json_atomically(dir / (std::string(run) + "/manifest.json"), json{{"status", "completed"}});
    // A run folder's own subfolders are never runs, whatever they hold.
    write_json_atomically(dir / (std::string(run) + "/plugins/manifest.json"), json::object());
  }
  std::vector<std::string> expected{dir / "exp/1", dir / "exp/2", dir / "exp/10", dir / "other/3"};
  EXPECT_EQ(find_runs(dir.path()), expected);
  EXPECT_EQ(find_runs(dir / "exp/2"), std::vector<std::string>{dir / "exp/2"});
  EXPECT_THROW(find_runs(dir / "missing"), Error);
}

TEST(RunSummary, ParsesTheTimesForgeWrites) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:01:00+0000"), 60.0);
  EXPECT_EQ(parse_iso8601("1970-01-01T01:01:00+0100"), 60.0);
  EXPECT_FALSE(parse_iso8601("yesterday"));
}

TEST(TextTable, AlignsColumnsWithoutTrailingSpaces) {
  TextTable table({"A", "LONG HEADER"});
  table.add_row({"wider cell", "x"});
  table.add_row({"é", "y"});
  EXPECT_EQ(table.render(), "A           LONG HEADER\nwider cell  x\né           y\n");
}

}  // namespace
}  // namespace forge
