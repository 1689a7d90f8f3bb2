#include "runs/run_dir.hpp"

#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace forge {

TEST(RunDir, NumbersRunsFromOneAndNeverReuses) {
  testing::TempDir dir;
  EXPECT_EQ(claim_run_dir(dir.path(), "exp"), dir / "exp/1");
  EXPECT_EQ(claim_run_dir(dir.path(), "exp"), dir / "exp/2");
  testing::write_text(dir / "exp/7/x", "");
  EXPECT_EQ(claim_run_dir(dir.path(), "exp"), dir / "exp/8");
}

TEST(RunDir, ConcurrentClaimsGetDistinctFolders) {
  testing::TempDir dir;
  std::vector<std::string> claimed(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < claimed.size(); ++i)
    threads.emplace_back([&, i] { claimed[i] = claim_run_dir(dir.path(), "exp"); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), claimed.size());
}

TEST(RunDir, RequireRunDirExplainsWhatIsMissing) {
  testing::TempDir dir;
  EXPECT_FALSE(is_run_dir(dir.path()));
  try {
    require_run_dir(dir.path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::run);
  }
  testing::write_text(dir / "manifest.json", "{}");
  EXPECT_NO_THROW(require_run_dir(dir.path()));
}

}  // namespace forge
