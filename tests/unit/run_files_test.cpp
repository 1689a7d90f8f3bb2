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
  EXPECT_TRUE(is_stale_temporary_file("manifest.json.tmp.1234.0", false));
  EXPECT_TRUE(is_stale_temporary_file("metrics.csv.tmp.77.12", false));
  EXPECT_TRUE(is_stale_temporary_file("flags.json.tmp.1234", false));  // forge 0.1's pattern
  EXPECT_TRUE(is_stale_temporary_file("step-00000001.ckpt.tmp.1234.3", true));
  EXPECT_FALSE(is_stale_temporary_file("step-00000001.ckpt", true));
  // Only forge's exact pattern, of a file forge writes in that folder: a user's files stay.
  for (const char* name : {"notes.tmp.txt", "README.tmp.md", "manifest.json.tmp.", "manifest.json.tmp.12.x",
                           "manifest.json.tmp.-1.0", "mine.json.tmp.1.0", ".tmp.1.0", "step-00000001.ckpt.tmp.1.0"})
    EXPECT_FALSE(is_stale_temporary_file(name, false)) << name;
  for (const char* name : {"README.tmp.md", "step-1.ckpt.tmp.1.0", "notes.txt.tmp.1.0"})
    EXPECT_FALSE(is_stale_temporary_file(name, true)) << name;
}

// Names read from a run folder are parsed strictly: one spelling per step, bounded, no sign.
TEST(RunFiles, CheckpointNamesParseStrictly) {
  EXPECT_EQ(parse_checkpoint_name("step-00000042.ckpt"), 42);
  EXPECT_EQ(parse_checkpoint_name("step-123456789.ckpt"), 123456789);
  for (const char* name :
       {"step-42.ckpt", "step--0000042.ckpt", "step- 0000042.ckpt", "step-00000042.ckpt.corrupt", "step-0000004x.ckpt",
        "step-99999999999999999999999.ckpt", "step-.ckpt", "step-00000042.ckp"})
    EXPECT_EQ(parse_checkpoint_name(name), -1) << name;
}

}  // namespace forge
