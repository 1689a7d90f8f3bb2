#include "core/process.hpp"

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

}  // namespace forge
