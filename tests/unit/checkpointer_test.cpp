#include "train/checkpointer.hpp"

#include "runs/checkpoint_files.hpp"
#include "runs/manifest.hpp"
#include "test_support.hpp"
#include "train/checkpoint.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace forge {
namespace {

TrainingPosition at_step(int64_t step) {
  TrainingPosition position;
  position.step = step;
  position.epoch = step / 10;
  return position;
}

TEST(RunFolderCheckpointer, SavesRecordsProgressAndKeepsTheNewestAndTheBest) {
  testing::TempDir run;
  write_json_atomically(run / "manifest.json", {{"status", "running"}});
  torch::nn::Linear model(2, 2);
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.1));
  RunFolderCheckpointer checkpointer(run.path(), {torch::kCPU, /*keep_checkpoints=*/2, /*epochs=*/5, /*max_steps=*/0});
  for (int64_t step : {10, 20, 30, 40}) checkpointer.save({*model, optimizer}, at_step(step), /*keep_step=*/20);
  EXPECT_EQ(list_checkpoints(run.path()), (std::vector<int64_t>{20, 30, 40}));
  EXPECT_EQ(read_checkpoint_position(checkpoint_path(run.path(), 40)).step, 40);
  json progress = read_json(run / "manifest.json")["progress"];
  EXPECT_EQ(progress["step"], 40);
  EXPECT_EQ(progress["epochs_done"], 4);
  EXPECT_EQ(progress["epochs"], 5);
}

TEST(RunFolderCheckpointer, KeepsEveryCheckpointWhenAskedToKeepAll) {
  testing::TempDir run;
  torch::nn::Linear model(2, 2);
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.1));
  RunFolderCheckpointer checkpointer(run.path(), {torch::kCPU, /*keep_checkpoints=*/0, 1, 0});
  for (int64_t step : {1, 2, 3, 4}) checkpointer.save({*model, optimizer}, at_step(step), -1);
  EXPECT_EQ(list_checkpoints(run.path()), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_FALSE(boost::filesystem::exists(run / "manifest.json")) << "no manifest: no progress recorded";
}

TEST(RunFolderCheckpointer, AsynchronousSavesRecordAndPruneOnceWritten) {
  testing::TempDir run;
  write_json_atomically(run / "manifest.json", {{"status", "running"}});
  torch::nn::Linear model(2, 2);
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.1));
  RunFolderCheckpointer checkpointer(run.path(), {torch::kCPU, /*keep_checkpoints=*/2, 5, 0, /*asynchronous=*/true});
  for (int64_t step : {10, 20, 30, 40}) checkpointer.save({*model, optimizer}, at_step(step), /*keep_step=*/20);
  checkpointer.wait();
  EXPECT_EQ(list_checkpoints(run.path()), (std::vector<int64_t>{20, 30, 40}));
  EXPECT_EQ(read_json(run / "manifest.json")["progress"]["step"], 40);
}

TEST(RunFolderCheckpointer, AsynchronousSaveWritesTheStateAsItWasWhenSaveReturned) {
  testing::TempDir run;
  torch::nn::Linear model(64, 64);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(0.1));
  RunFolderCheckpointer checkpointer(run.path(), {torch::kCPU, 0, 1, 0, /*asynchronous=*/true});
  const torch::Tensor before = model->weight.detach().clone();
  checkpointer.save({*model, optimizer}, at_step(1), -1);
  {
    torch::NoGradGuard no_grad;
    model->weight.fill_(42);  // training goes on while the checkpoint is written
  }
  checkpointer.wait();
  torch::nn::Linear loaded(64, 64);
  load_checkpoint(checkpoint_path(run.path(), 1), *loaded, nullptr);
  EXPECT_TRUE(torch::equal(loaded->weight, before));
}

TEST(RunFolderCheckpointer, AFailedBackgroundWriteSurfacesAtWaitAndKeepsTheCheckpointBefore) {
  testing::TmpfsMount disk(1);
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  const std::string run = disk / "run";
  torch::nn::Linear small(2, 2), big(1024, 1024);  // 4 MiB of weights on a 1 MiB disk
  torch::optim::SGD small_optimizer(small->parameters(), torch::optim::SGDOptions(0.1));
  torch::optim::SGD big_optimizer(big->parameters(), torch::optim::SGDOptions(0.1));
  RunFolderCheckpointer checkpointer(run, {torch::kCPU, /*keep_checkpoints=*/1, 1, 0, /*asynchronous=*/true});
  checkpointer.save({*small, small_optimizer}, at_step(1), -1);
  checkpointer.save({*big, big_optimizer}, at_step(2), -1);  // waits for step 1, then begins step 2
  try {
    checkpointer.wait();
    FAIL() << "the background write did not fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
  }
  EXPECT_EQ(list_checkpoints(run), std::vector<int64_t>{1});
  EXPECT_EQ(read_checkpoint_position(checkpoint_path(run, 1)).step, 1);
  EXPECT_NO_THROW(checkpointer.wait()) << "the error is reported once";
}

}  // namespace
}  // namespace forge
