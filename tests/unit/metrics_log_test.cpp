#include "metrics/metrics_log.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_files.hpp"

#include "core/atomic_file.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace forge {

TEST(CsvMetricWriter, AppendsRowsAndTruncatesRedoneSteps) {
  testing::TempDir dir;
  {
    CsvMetricWriter log(metrics_file(dir.path()), metrics_csv_header);
    log.write(10, 1, "train", {{"loss", 0.5}, {"accuracy", 0.75}});
    log.write(20, 2, "test", {{"loss", 0.25}});
  }
  std::string csv = read_file(dir / "metrics.csv");
  EXPECT_EQ(csv.rfind("step,epoch,split,name,value,wall_time\n", 0), 0u);
  EXPECT_NE(csv.find("\n10,1,train,accuracy,0.75,"), std::string::npos);
  EXPECT_NE(csv.find("\n20,2,test,loss,0.25,"), std::string::npos);
  truncate_metrics_after(dir.path(), 10);
  csv = read_file(dir / "metrics.csv");
  EXPECT_EQ(csv.find("\n20,"), std::string::npos);
  EXPECT_NE(csv.find("\n10,1,train,loss"), std::string::npos);
  CsvMetricWriter(metrics_file(dir.path()), metrics_csv_header).write(30, 3, "train", {{"loss", 1}});
  EXPECT_EQ(read_file(dir / "metrics.csv").find("step,epoch", 1), std::string::npos) << "header written twice";
}

}  // namespace forge
