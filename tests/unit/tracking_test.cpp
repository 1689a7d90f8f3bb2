// The parts of tracking that need no server: MLflow's keys, limits and statuses, the tracking
// record, which URIs are used, reading metrics.csv while it grows, the HParams domains, and a
// request to a port nobody listens on. (The protocol itself is tested against a real MLflow
// server in tests/e2e/tracking_test.cpp.)
#include "core/flag_set.hpp"
#include "metrics/hparams_data.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_files.hpp"
#include "test_support.hpp"
#include "tracking/http_client.hpp"
#include "tracking/run_sync.hpp"
#include "tracking/tracking_record.hpp"
#include "tracking/tracking_uri.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace forge {
namespace {

TEST(MlflowNames, KeysKeepWhatMlflowAcceptsAndReplaceTheRest) {
  EXPECT_EQ(mlflow_key("valid/loss"), "valid/loss");
  EXPECT_EQ(mlflow_key("train/top-5 acc.x:y"), "train/top-5 acc.x:y");
  EXPECT_EQ(mlflow_key("test/f1@0.5(macro)"), "test/f1_0.5_macro_");
  EXPECT_EQ(mlflow_key(std::string(300, 'k')).size(), 250u);
}

TEST(MlflowNames, ALongParamIsCutToTheLimitWithANote) {
  EXPECT_EQ(mlflow_param_value("0.001"), "0.001");
  const std::string exact(MlflowLimits::param_value, 'v');
  EXPECT_EQ(mlflow_param_value(exact), exact);
  const std::string cut = mlflow_param_value(std::string(10000, 'v'));
  EXPECT_EQ(cut.size(), MlflowLimits::param_value);
  EXPECT_NE(cut.find("10000 characters, flags.json has them all"), std::string::npos) << cut;
}

TEST(MlflowNames, EachForgeStatusHasItsMlflowStatus) {
  EXPECT_EQ(mlflow_status("completed"), "FINISHED");
  EXPECT_EQ(mlflow_status("failed"), "FAILED");
  EXPECT_EQ(mlflow_status("interrupted"), "KILLED");
  EXPECT_EQ(mlflow_status("crashed"), "KILLED");
  EXPECT_EQ(mlflow_status("running"), "");
}

TEST(TrackingRecordFile, RoundTripsPerServerAndADamagedOneIsForgotten) {
  testing::TempDir dir;
  EXPECT_TRUE(read_tracking_record(dir.path()).empty());
  TrackingRecord record;
  ServerRecord& a = record["http://a:5000"];
  a.run_id = "abc";
  a.params_sent = true;
  a.rows_done = 42;
  a.held_after = 40;
  a.status_sent = "KILLED";
  record["https://b"].run_id = "def";
  write_tracking_record(dir.path(), record);
  TrackingRecord read = read_tracking_record(dir.path());
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read["http://a:5000"].rows_done, 42);
  EXPECT_EQ(read["http://a:5000"].status_sent, "KILLED");
  EXPECT_TRUE(read["http://a:5000"].params_sent);
  EXPECT_EQ(read["http://a:5000"].held_after, 40);
  EXPECT_EQ(read["https://b"].run_id, "def");
  EXPECT_EQ(read["https://b"].rows_done, 0);

  testing::write_text(tracking_file(dir.path()), "{\"servers\": [1, 2");
  EXPECT_TRUE(read_tracking_record(dir.path()).empty());
}

TEST(TrackingUri, OnlyHttpServersWithoutCredentialsInsideAreUsed) {
  EXPECT_EQ(unusable_tracking_uri("http://127.0.0.1:5000"), "");
  EXPECT_EQ(unusable_tracking_uri("https://mlflow.example.org/prefix"), "");
  EXPECT_NE(unusable_tracking_uri("file:./mlruns"), "");
  EXPECT_NE(unusable_tracking_uri("databricks"), "");
  EXPECT_NE(unusable_tracking_uri("sqlite:///mlflow.db"), "");
  EXPECT_NE(unusable_tracking_uri("http://"), "");
  EXPECT_NE(unusable_tracking_uri("http://me:secret@host:5000").find("MLFLOW_TRACKING_USERNAME"), std::string::npos);
}

TEST(TrackingUri, TheFlagComesFirstOffTurnsItOffAndABadEnvironmentIsIgnored) {
  ::setenv("MLFLOW_TRACKING_URI", "http://from-environment:5000", 1);
  EXPECT_EQ(tracking_uri(""), "http://from-environment:5000");
  EXPECT_EQ(tracking_uri("http://from-flag:1"), "http://from-flag:1");
  EXPECT_EQ(tracking_uri("off"), "");
  ::setenv("MLFLOW_TRACKING_URI", "file:./mlruns", 1);
  EXPECT_EQ(tracking_uri(""), "");
  ::unsetenv("MLFLOW_TRACKING_URI");
  EXPECT_EQ(tracking_uri(""), "");
  try {
    tracking_uri("file:./mlruns");
    FAIL() << "a bad --tracking_uri must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
}

TEST(GrowingMetricsCsv, OnlyCompleteLinesAreReadAndEachOnce) {
  testing::TempDir dir;
  std::ofstream out(metrics_file(dir.path()), std::ios::binary);
  out << metrics_csv_header << "\n1,1,train,loss,0.5,1.0\n2,1,train,lo" << std::flush;
  uint64_t offset = 0;
  std::vector<MetricRow> rows = read_new_metrics(dir.path(), offset);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].step, 1);
  EXPECT_TRUE(read_new_metrics(dir.path(), offset).empty());  // the torn line waits for its end
  out << "ss,0.25,2.0\n3,1,valid,accuracy,0.75,3.0\n" << std::flush;
  rows = read_new_metrics(dir.path(), offset);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "loss");
  EXPECT_DOUBLE_EQ(rows[0].value, 0.25);
  EXPECT_EQ(rows[1].split, "valid");
  EXPECT_TRUE(read_new_metrics(dir.path(), offset).empty());
  uint64_t missing_offset = 0;
  EXPECT_TRUE(read_new_metrics(dir / "nowhere", missing_offset).empty());
}

TEST(HParamDomains, ValuesAreTypedAsTheRunsFlagsTypeThem) {
  EXPECT_EQ(discrete_domain("lr", {"0.1", "1e-3"}).kind, HParamValue::Kind::number);
  EXPECT_DOUBLE_EQ(discrete_domain("lr", {"0.1", "1e-3"}).values[1].number, 1e-3);
  EXPECT_EQ(discrete_domain("amsgrad", {"true", "false"}).kind, HParamValue::Kind::boolean);
  EXPECT_EQ(discrete_domain("optimizer", {"adam", "sgd"}).kind, HParamValue::Kind::text);
  EXPECT_EQ(discrete_domain("mixed", {"1", "adam"}).kind, HParamValue::Kind::text);
}

TEST(HttpRequests, NoServerIsUnreachableNotAnAnswer) {
  HttpClient client(HttpCredentials{}, 5);
  EXPECT_THROW(client.send("GET", "http://127.0.0.1:9/health"), HttpUnreachable);
  EXPECT_THROW(client.send("GET", "ftp://127.0.0.1/file"), HttpUnreachable);  // only http and https
}

TEST(Operands, ALastNameEndingInDotsTakesEveryOperandLeft) {
  FlagSet set("sync");
  set.take_operands({"RUN_OR_FOLDER..."}, 1);
  set.declare({text_flag("tracking_uri", "", "server")}, "forge sync");
  CommandLine line = set.parse_command_line({"a", "b", "--tracking_uri", "http://x", "c"});
  EXPECT_EQ(line.operands, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_THROW(set.parse_command_line({"--tracking_uri", "http://x"}), Error);
}

}  // namespace
}  // namespace forge
