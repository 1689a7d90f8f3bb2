#include "metrics/tensorboard_writer.hpp"

#include "core/crc32c.hpp"
#include "metrics/metrics_log.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_files.hpp"

#include "core/atomic_file.hpp"
#include "tensorboard_reader.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

namespace forge {
namespace {

double now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

TEST(TensorBoardWriter, WritesVersionStartAndScalarEventsWithValidCrcs) {
  testing::TempDir dir;
  double before = now();
  std::string path;
  {
    TensorBoardWriter writer(dir.path(), 1);
    writer.scalar("train/loss", 10, 0.5, before);
    writer.scalar("valid/accuracy", 20, 0.875, before + 1);
    path = writer.path();
  }
  EXPECT_EQ(testing::event_files(dir.path()), std::vector<std::string>{path});
  auto events = testing::read_event_file(path);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  EXPECT_GE(events[0].wall_time, before - 1);
  EXPECT_EQ(events[1].session_status, 1);
  EXPECT_EQ(events[1].step, 1);
  EXPECT_EQ(events[2].step, 10);
  EXPECT_DOUBLE_EQ(events[2].wall_time, before);
  ASSERT_EQ(events[2].values.size(), 1u);
  EXPECT_EQ(events[2].values[0].first, "train/loss");
  EXPECT_EQ(events[2].values[0].second, 0.5f);
  EXPECT_EQ(events[3].step, 20);
  EXPECT_EQ(events[3].values[0], (std::pair<std::string, float>{"valid/accuracy", 0.875f}));
}

TEST(TensorBoardWriter, TheReaderRejectsACorruptRecord) {
  testing::TempDir dir;
  std::string path;
  {
    TensorBoardWriter writer(dir.path(), 1);
    writer.scalar("train/loss", 10, 0.5, now());
    path = writer.path();
  }
  std::string bytes = read_file(path);
  bytes[bytes.size() - 6] ^= 0x01;  // inside the last event's data
  write_file_atomically(path, bytes);
  EXPECT_THROW(testing::read_event_file(path), std::runtime_error);
}

TEST(TensorBoardWriter, AResumedSessionSortsAfterAndPurgesTheStepsItRedoes) {
  testing::TempDir dir;
  {
    TensorBoardWriter first(dir.path(), 1);
    for (int step = 10; step <= 30; step += 10) first.scalar("train/loss", step, step / 100.0, now());
  }
  {
    // Resumed from the checkpoint at step 20 (in the same second, as in a quick test).
    TensorBoardWriter resumed(dir.path(), 21);
    resumed.scalar("train/loss", 30, 0.33, now());
    resumed.scalar("train/loss", 40, 0.44, now());
  }
  ASSERT_EQ(testing::event_files(dir.path()).size(), 2u);
  auto scalars = testing::tensorboard_scalars(dir.path());
  std::map<int64_t, float> expected{{10, 0.1f}, {20, 0.2f}, {30, 0.33f}, {40, 0.44f}};
  EXPECT_EQ(scalars["train/loss"], expected);
}

TEST(TensorBoardWriter, AsAMetricSinkWritesEachMetricAsSplitSlashName) {
  testing::TempDir dir;
  {
    std::vector<std::unique_ptr<MetricSink>> sinks;
    sinks.push_back(std::make_unique<CsvMetricWriter>(metrics_file(dir.path()), metrics_csv_header));
    sinks.push_back(std::make_unique<TensorBoardWriter>(dir.path(), 1));
    for (const auto& sink : sinks) sink->write(10, 1, "train", {{"loss", 0.5}, {"my_metric", 3}});
  }
  auto scalars = testing::tensorboard_scalars(dir.path());
  EXPECT_EQ(scalars["train/loss"], (std::map<int64_t, float>{{10, 0.5f}}));
  EXPECT_EQ(scalars["train/my_metric"], (std::map<int64_t, float>{{10, 3.0f}}));
  EXPECT_NE(read_file(dir / "metrics.csv").find("\n10,1,train,my_metric,3,"), std::string::npos);
}

}  // namespace
}  // namespace forge
