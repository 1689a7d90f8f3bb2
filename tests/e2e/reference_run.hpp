// For end-to-end tests that compare runs with an uninterrupted reference run: a suite base
// that trains the reference once in a scratch folder, and the run state they compare.
#pragma once

#include "app/saved_run.hpp"
#include "runs/checkpoint_files.hpp"
#include "test_support.hpp"
#include "train/model_state.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace forge::testing {

// The parameters and buffers of the run's model at checkpoint `step` (default: the newest).
inline NamedState run_state(const std::string& run_dir, int64_t step = -1) {
  if (step < 0) step = list_checkpoints(run_dir).back();
  return named_state(restore_model(open_saved_run(run_dir), {step, nullptr}).model->module());
}

// Derived suites call train_reference(args) from their SetUpTestSuite; args must train a run
// named "straight".
class WithReferenceRun : public ::testing::Test {
 protected:
  static void train_reference(const std::vector<std::string>& args) {
    dir_ = new TempDir;
    auto straight = run_forge(args, dir_->path());
    ASSERT_EQ(straight.exit_status, 0) << straight.output;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string straight() { return *dir_ / "checkpoints/straight/1"; }

  static inline TempDir* dir_ = nullptr;
};

}  // namespace forge::testing
