// Load: 32 trainings launched at once into one checkpoint folder while `forge runs` polls it:
// 32 distinct completed runs, every manifest valid JSON at every moment, no reader error and
// no writer failure.
#include "core/json_file.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <boost/filesystem.hpp>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

namespace fs = boost::filesystem;

namespace forge {
namespace {

TEST(Load, ThirtyTwoTrainingsAtOnceWhileForgeRunsPolls) {
  testing::TempDir dir;
  std::vector<int> pids;
  for (int i = 0; i < 32; ++i)
    pids.push_back(testing::spawn_forge({"train", "--data", "synthetic", "--model", "mlp", "--epochs", "1", "--samples",
                                         "64", "--threads", "1", "--run_name", "load"},
                                        dir.path(), dir / ("train" + std::to_string(i) + ".log")));
  std::atomic<bool> done{false};
  std::atomic<int> polls{0}, reader_errors{0};
  std::string first_error;
  std::thread poller([&] {
    while (!done) {
      ProcessResult listed = testing::run_forge({"runs", "checkpoints", "--json"}, dir.path());
      // Before the first run folder exists, "no runs" (exit 5) is the truthful answer.
      const bool ok = (listed.exit_status == 0 && json::accept(listed.output)) || listed.exit_status == 5;
      if (!ok && reader_errors++ == 0) first_error = listed.output;
      ++polls;
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  int failed_writers = 0;
  for (size_t i = 0; i < pids.size(); ++i) {
    if (testing::wait_for_exit(pids[i]) != 0) {
      ++failed_writers;
      ADD_FAILURE() << testing::text_or_empty(dir / ("train" + std::to_string(i) + ".log"));
    }
  }
  done = true;
  poller.join();
  EXPECT_LT(std::chrono::steady_clock::now(), deadline);
  EXPECT_EQ(failed_writers, 0);
  EXPECT_EQ(reader_errors, 0) << first_error;
  EXPECT_GT(polls, 0);
  std::set<std::string> runs;
  for (const auto& entry : fs::directory_iterator(dir / "checkpoints/load")) {
    const std::string manifest = (entry.path() / "manifest.json").string();
    ASSERT_TRUE(json::accept(testing::text_or_empty(manifest))) << manifest;
    EXPECT_EQ(testing::run_status(entry.path().string()), "completed") << entry.path();
    runs.insert(entry.path().filename().string());
  }
  EXPECT_EQ(runs.size(), 32u);
  for (int n = 1; n <= 32; ++n) EXPECT_TRUE(runs.count(std::to_string(n))) << n;
}

}  // namespace
}  // namespace forge
