#include "core/process.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace forge {

TEST(Process, CollectsOutputAndExitStatus) {
  ProcessResult ok = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(ok.exit_status, 3);
  EXPECT_NE(ok.output.find("out"), std::string::npos);
  EXPECT_NE(ok.output.find("err"), std::string::npos);
  EXPECT_EQ(run_process({"pwd"}, "/tmp").output, "/tmp\n");
  EXPECT_EQ(run_process({"/nonexistent/program"}).exit_status, 127);
}

TEST(Process, SpawnsWithEnvironmentAndOutputFileAndKnowsItsOwnExecutable) {
  testing::TempDir dir;
  SpawnOptions options;
  options.environment = {{"FORGE_SPAWN_TEST", "hello"}};
  options.output_file = dir / "out.log";
  const int pid = spawn_process({"/bin/sh", "-c", "echo $FORGE_SPAWN_TEST; echo err >&2; exit 4"}, options);
  EXPECT_EQ(testing::wait_for_exit(pid), 4);
  EXPECT_EQ(testing::text_or_empty(dir / "out.log"), "hello\nerr\n");
  EXPECT_EQ(testing::wait_for_exit(spawn_process({"/nonexistent/program"})), 127);
  EXPECT_EQ(own_executable().substr(own_executable().rfind('/') + 1), "forge_unit_tests");
}

}  // namespace forge
