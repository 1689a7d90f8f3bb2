#include "runs/manifest.hpp"

#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {

TEST(Manifest, NewManifestRecordsTheEnvironment) {
  json m = new_manifest({"forge", "train"}, 2);
  EXPECT_EQ(m["status"], "running");
  EXPECT_EQ(m["threads"], 2);
  EXPECT_EQ(m["command_line"][1], "train");
  for (const char* key : {"forge_version", "libtorch_version", "compiler", "plugin_abi", "host", "cpu", "started"})
    EXPECT_TRUE(m.contains(key)) << key;
}

TEST(Manifest, RecordStatusKeepsTheRest) {
  testing::TempDir dir;
  write_json_atomically(dir / "manifest.json", new_manifest({"forge"}, 1));
  record_status(dir.path(), "failed", "out of memory");
  json m = read_json(dir / "manifest.json");
  EXPECT_EQ(m["status"], "failed");
  EXPECT_EQ(m["reason"], "out of memory");
  EXPECT_FALSE(m["ended"].is_null());
  EXPECT_EQ(m["threads"], 1);
}

TEST(Manifest, UnreadableJsonIsARunError) {
  testing::TempDir dir;
  testing::write_text(dir / "bad.json", "{ not json");
  EXPECT_THROW(read_json(dir / "bad.json"), Error);
}

}  // namespace forge
