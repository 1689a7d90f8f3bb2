// Models beyond one loss and one optimizer, as a user meets them: the built-in `gan` (two
// optimizers stepped by the model itself, samples drawn at each epoch's end) trains, resumes
// exactly and keeps its images, alone and data-parallel; what cannot work is refused up front.
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using testing::run_forge;

// A small GAN on 512 Fashion-MNIST images: 8 steps an epoch.
std::vector<std::string> gan_run(const std::string& command, std::vector<std::string> more = {}) {
  std::vector<std::string> args{command,  "--data",        "mnist", "--train_limit", "512",    "--model",
                                "gan",    "--width",       "8",     "--latent",      "16",     "--batch_size",
                                "64",     "--lr",          "0.0002", "--epochs",     "2",      "--seed",
                                "11",     "--no_progress", "true"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// The width and height a PNG's header gives.
std::pair<uint32_t, uint32_t> png_size(const std::string& bytes) {
  auto u32 = [&](size_t at) {
    return uint32_t(uint8_t(bytes[at])) << 24 | uint32_t(uint8_t(bytes[at + 1])) << 16 |
           uint32_t(uint8_t(bytes[at + 2])) << 8 | uint32_t(uint8_t(bytes[at + 3]));
  };
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || bytes.compare(12, 4, "IHDR") != 0)
    return {0, 0};
  return {u32(16), u32(20)};
}

TEST(Gan, ResumesExactlyAndDrawsTheSameSamplesAsAnUninterruptedRun) {
  testing::TempDir dir;
  auto check = run_forge(gan_run("check-resume", {"--stop_at", "5"}), dir.path());
  ASSERT_EQ(check.exit_status, 0) << check.output;
  EXPECT_NE(check.output.find("resume is exact: all"), std::string::npos) << check.output;

  auto straight = run_forge(gan_run("train", {"--run_dir", dir / "straight"}), dir.path());
  ASSERT_EQ(straight.exit_status, 0) << straight.output;
  auto stopped = run_forge(gan_run("train", {"--run_dir", dir / "stopped", "--stop_after_steps", "11"}), dir.path());
  ASSERT_EQ(stopped.exit_status, 0) << stopped.output;
  auto resumed = run_forge({"resume", dir / "stopped"}, dir.path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  for (const char* epoch : {"epoch-0001.png", "epoch-0002.png"}) {
    const std::string image = std::string("images/samples/") + epoch;
    const std::string expected = testing::text_or_empty(dir / "straight/" + image);
    EXPECT_EQ(png_size(expected), std::make_pair(uint32_t(242), uint32_t(242))) << image;  // 8 x 8 of 28 + 2
    EXPECT_TRUE(expected == testing::text_or_empty(dir / "stopped/" + image)) << image << " differs after resume";
  }
  // Each optimizer's rate is its own metric.
  const std::string metrics = testing::text_or_empty(dir / "straight/metrics.csv");
  EXPECT_NE(metrics.find(",train,lr_generator,0.0002,"), std::string::npos);
  EXPECT_NE(metrics.find(",train,lr_discriminator,0.0002,"), std::string::npos);
  EXPECT_NE(metrics.find(",test,g_loss,"), std::string::npos);
}

TEST(Gan, TrainsDataParallel) {
  testing::TempDir dir;
  auto two = run_forge(gan_run("train", {"--run_dir", dir / "two", "--nproc_per_node", "2"}), dir.path());
  ASSERT_EQ(two.exit_status, 0) << two.output;
  EXPECT_EQ(testing::run_status(dir / "two"), "completed");
  EXPECT_TRUE(fs::exists(dir / "two/images/samples/epoch-0002.png"));
}

TEST(Gan, AccumulateIsRefusedBeforeAnyRunFolderIsMade) {
  testing::TempDir dir;
  auto refused = run_forge(gan_run("train", {"--accumulate", "2"}), dir.path());
  EXPECT_EQ(refused.exit_status, 2) << refused.output;
  EXPECT_EQ(testing::last_line(refused.output),
            "forge: error: --accumulate does not apply to a model that steps its optimizers itself (manual_optimization); "
            "drop it, or accumulate inside its step");
  EXPECT_FALSE(fs::exists(dir / "checkpoints"));
}

}  // namespace
}  // namespace forge
