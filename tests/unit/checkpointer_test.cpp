#include "train/checkpointer.hpp"

#include "runs/checkpoint_files.hpp"
#include "runs/manifest.hpp"
#include "test_support.hpp"
#include "train/checkpoint.hpp"

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
  for (int64_t step : {10, 20, 30, 40}) checkpointer.save(*model, optimizer, at_step(step), /*keep_step=*/20);
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
  for (int64_t step : {1, 2, 3, 4}) checkpointer.save(*model, optimizer, at_step(step), -1);
  EXPECT_EQ(list_checkpoints(run.path()), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_FALSE(boost::filesystem::exists(run / "manifest.json")) << "no manifest: no progress recorded";
}

}  // namespace
}  // namespace forge
