#include "runs/run_files.hpp"

#include <gtest/gtest.h>

namespace forge {

TEST(RunFiles, EveryNameOfARunFolderComesFromHere) {
  EXPECT_EQ(manifest_file("r"), "r/manifest.json");
  EXPECT_EQ(flags_file("r"), "r/flags.json");
  EXPECT_EQ(log_file("r"), "r/log.txt");
  EXPECT_EQ(metrics_file("r"), "r/metrics.csv");
  EXPECT_EQ(lock_file("r"), "r/.lock");
  EXPECT_EQ(checkpoint_path("r", 42), "r/checkpoints/step-00000042.ckpt");
  EXPECT_EQ(plugin_library_in_run("model", "mlp"), "plugins/model/mlp.so");
  EXPECT_EQ(plugin_sources_folder("r", "data"), "r/plugins/data/src");
}

TEST(RunFiles, WhatAStartWritesBeforeItsManifestAndWhatAKilledWriteLeaves) {
  for (const char* name : {".lock", "log.txt", "flags.json", "plugins", "sweep_point.json"})
    EXPECT_TRUE(is_run_start_file(name)) << name;
  EXPECT_FALSE(is_run_start_file("manifest.json"));
  EXPECT_FALSE(is_run_start_file("notes.txt"));
  EXPECT_TRUE(is_temporary_file("manifest.json.tmp.1234"));
  EXPECT_FALSE(is_temporary_file("step-00000001.ckpt"));
}

}  // namespace forge
