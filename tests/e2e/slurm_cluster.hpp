// A real one-node SLURM cluster on localhost (tests/slurm/cluster.sh: munged, slurmctld, slurmd
// in a temp folder) for a test suite: started before its first test with SLURM_CONF pointed at
// it, its daemons stopped by pid after its last.
#pragma once

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>

namespace forge::testing {

class WithSlurmCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new TempDir;
    // Below the kernel's ephemeral ports (32768 on): no connection takes one for a moment. A
    // port in use all the same (exit 3) is tried again with another.
    ProcessResult started;
    for (int attempt = 0; attempt < 5; ++attempt) {
      const std::string port = std::to_string(20000 + 2 * ((::getpid() + 997 * attempt) % 6000));
      started = run_process({"bash", script(), "start", cluster_->path(), port});
      if (started.exit_status != 3) break;
    }
    ASSERT_EQ(started.exit_status, 0) << started.output;
    ::setenv("SLURM_CONF", (*cluster_ / "slurm.conf").c_str(), 1);
  }
  static void TearDownTestSuite() {
    run_process({"bash", script(), "stop", cluster_->path()});
    delete cluster_;
    cluster_ = nullptr;
  }
  static std::string script() { return source_dir() + "/tests/slurm/cluster.sh"; }

  static inline TempDir* cluster_ = nullptr;
};

}  // namespace forge::testing
