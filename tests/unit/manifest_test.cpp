#include "runs/manifest.hpp"

#include "core/build_config.hpp"
#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {

TEST(Manifest, NewManifestRecordsTheEnvironment) {
  json m = to_json(new_manifest({"forge", "train"}, 2));
  EXPECT_EQ(m["status"], "running");
  EXPECT_EQ(m["threads"], 2);
  EXPECT_EQ(m["command_line"][1], "train");
  EXPECT_TRUE(m["ended"].is_null());
  for (const char* key :
       {"forge_version", "libtorch_version", "cuda_version", "compiler", "plugin_abi", "host", "cpu", "started", "pid"})
    EXPECT_TRUE(m.contains(key)) << key;
  EXPECT_EQ(m["cuda_version"], build_config().cuda_version);
}

// A manifest from before forge recorded CUDA says nothing about it, rather than "CPU only".
TEST(Manifest, AManifestWithoutCudaLeavesItUnknown) {
  json written = to_json(new_manifest({"forge"}, 1));
  written.erase("cuda_version");
  EXPECT_FALSE(manifest_from_json(written).cuda_version.has_value());
  EXPECT_FALSE(to_json(manifest_from_json(written)).contains("cuda_version"));
}

TEST(Manifest, RecordStatusKeepsTheRest) {
  testing::TempDir dir;
  write_manifest(dir.path(), new_manifest({"forge"}, 1));
  record_status(dir.path(), "failed", "out of memory");
  json m = read_json(dir / "manifest.json");
  EXPECT_EQ(m["status"], "failed");
  EXPECT_EQ(m["reason"], "out of memory");
  EXPECT_FALSE(m["ended"].is_null());
  EXPECT_EQ(m["threads"], 1);
}

// A newer forge's keys survive an older forge rewriting the record.
TEST(Manifest, RoundTripsEveryFieldAndKeepsUnknownKeys) {
  json written = {
      {"status", "interrupted"},
      {"reason", "SIGTERM"},
      {"ended", "2026-11-29T10:00:00+0000"},
      {"plugins",
       {{"data",
         {{"name", "mnist"},
          {"library", "plugins/data/mnist.so"},
          {"sha1", "ab"},
          {"sources", json::array()},
          {"given", "mnist"},
          {"from_the_future", 1},
          {"git", {{"root", "/r"}, {"commit", "c0ffee"}, {"dirty", true}}}}}}},
      {"seed", {{"value", 7}, {"drawn", true}}},
      {"progress", {{"step", 40}, {"epochs_done", 2}, {"epochs", 5}, {"max_steps", 0}}},
      {"resumes",
       {{{"started", "s"},
         {"command_line", {"forge", "resume"}},
         {"from_step", 20},
         {"threads", 2},
         {"forced", {"--lr"}}}}},
      {"restarts",
       {{{"time", "t"}, {"rank", 1}, {"exit", "was killed by signal 9"}, {"after_step", 41}, {"from_step", 40}}}},
      {"world_size", 2},
      {"evaluated_step", 40},
      {"a_newer_key", {{"nested", true}}}};
  Manifest m = manifest_from_json(written);
  EXPECT_EQ(m.status, "interrupted");
  EXPECT_EQ(m.plugins.at("data").library, "plugins/data/mnist.so");
  ASSERT_TRUE(m.plugins.at("data").git);
  EXPECT_TRUE(m.plugins.at("data").git->dirty);
  ASSERT_TRUE(m.seed);
  EXPECT_EQ(m.seed->value, 7);
  ASSERT_TRUE(m.progress);
  EXPECT_EQ(m.progress->epochs_done, 2);
  EXPECT_EQ(m.resumes.at(0).forced, std::vector<std::string>{"--lr"});
  EXPECT_EQ(m.restarts.at(0).after_step, 41);
  EXPECT_EQ(evaluated_step(m), 40);
  json again = to_json(m);
  EXPECT_EQ(again["a_newer_key"], written["a_newer_key"]);
  EXPECT_EQ(again["plugins"]["data"]["from_the_future"], 1);
  for (const auto& [key, value] : written.items()) EXPECT_EQ(again[key], value) << key;
}

TEST(Manifest, AnOldRecordReadsWithDefaults) {
  Manifest m = manifest_from_json({{"status", "completed"}, {"progress", {{"step", 12}}}});
  EXPECT_EQ(m.world_size, 1);
  EXPECT_EQ(m.ended, "");
  EXPECT_FALSE(m.seed);
  EXPECT_EQ(evaluated_step(m), 12) << "a completed run recorded before evaluated_step existed";
  EXPECT_EQ(evaluated_step(manifest_from_json({{"status", "interrupted"}, {"progress", {{"step", 12}}}})), -1);
}

TEST(Manifest, UnreadableOrDamagedRecordsAreRunErrors) {
  testing::TempDir dir;
  testing::write_text(dir / "bad.json", "{ not json");
  EXPECT_THROW(read_json(dir / "bad.json"), Error);
  testing::write_text(dir / "manifest.json", "[1, 2]");
  EXPECT_THROW(read_manifest(dir.path()), Error);
  testing::write_text(dir / "manifest.json", R"({"status": 3})");
  try {
    read_manifest(dir.path());
    FAIL() << "a status that is a number was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::run);
    EXPECT_NE(std::string(e.what()).find("manifest.json is damaged"), std::string::npos) << e.what();
  }
}

// Found by the manifest fuzz target: a plugin record that is no object escaped as a JSON
// library exception, and a huge number where a whole one belongs was undefined behaviour.
TEST(Manifest, RecordsOfTheWrongShapeAreRunErrors) {
  for (const char* text :
       {R"({"plugins": {"data": 5}})", R"({"plugins": [1]})", R"({"resumes": [3]})", R"({"resumes": 3})",
        R"({"restarts": [3]})", R"({"restarts": {}})", R"({"restarts": [{"rank": "one"}]})", R"({"pid": 7.77e78})",
        R"({"world_size": 1.5})", R"({"progress": {"step": 1e300}})"}) {
    try {
      manifest_from_json(json::parse(text));
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::run) << text;
    }
  }
}

}  // namespace forge
