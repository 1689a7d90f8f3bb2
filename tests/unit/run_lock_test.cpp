#include "runs/run_lock.hpp"

#include "runs/manifest.hpp"
#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace forge {

// `forge runs` looks at every run's lock while trainings start: looking used to take the lock
// for an instant, and a train or resume starting in that instant failed with exit 5.
TEST(RunLock, LookingAtALockNeverMakesTakingItFail) {
  testing::TempDir run;
  std::atomic<bool> done{false};
  std::thread looker([&] {
    while (!done) is_run_locked(run.path());
  });
  int failures = 0;
  for (int i = 0; i < 3000; ++i) {
    try {
      RunLock lock(run.path());
    } catch (const Error&) {
      ++failures;
    }
  }
  done = true;
  looker.join();
  EXPECT_EQ(failures, 0);
}

TEST(RunLock, ExclusiveWhileHeldAndFreeAfter) {
  testing::TempDir run;
  EXPECT_FALSE(is_run_locked(run.path()));
  {
    RunLock lock(run.path());
    EXPECT_TRUE(is_run_locked(run.path()));
    try {
      RunLock second(run.path());
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::run);
      EXPECT_NE(std::string(e.what()).find("is being trained by another process"), std::string::npos);
    }
  }
  EXPECT_FALSE(is_run_locked(run.path()));
}

TEST(RunLock, ALockOfADeadProcessDoesNotBlockAndItsRunIsCrashed) {
  testing::TempDir run;
  write_manifest(run.path(), new_manifest({"forge", "train"}, 1));
  pid_t child = ::fork();
  if (child == 0) {
    RunLock lock(run.path());
    ::_exit(0);  // dies holding the lock, as kill -9 would leave it
  }
  int status;
  ::waitpid(child, &status, 0);
  EXPECT_FALSE(is_run_locked(run.path()));
  EXPECT_TRUE(record_crash_if_dead(run.path()));
  json manifest = read_json(run / "manifest.json");
  EXPECT_EQ(manifest["status"], "crashed");
  EXPECT_NE(manifest["reason"].get<std::string>().find("died without recording why"), std::string::npos);
  EXPECT_FALSE(record_crash_if_dead(run.path())) << "only a running run can crash";
  EXPECT_NO_THROW(RunLock lock(run.path()));
}

TEST(RunLock, ARunningRunWhoseProcessLivesIsNotCrashed) {
  testing::TempDir run;
  write_manifest(run.path(), new_manifest({"forge", "train"}, 1));
  RunLock lock(run.path());
  EXPECT_FALSE(record_crash_if_dead(run.path()));
}

}  // namespace forge
