// forge report: one self-contained HTML file, checked as text and, where Chromium is
// installed, rendered in headless Chromium: every run's curves drawn, a screenshot saved.
#include "core/atomic_file.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <fstream>
#include <regex>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using testing::run_forge;

class Report : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    for (const char* lr : {"0.001", "0.01"}) {
      auto trained = run_forge({"train", "--data", "synthetic", "--model", "mlp", "--epochs", "2", "--seed", "1",
                                "--log_every", "4", "--lr", lr, "--run_name", std::string("lr_") + lr},
                               dir_->path());
      ASSERT_EQ(trained.exit_status, 0) << trained.output;
    }
    auto written = run_forge({"report", "checkpoints", "-o", "report.html", "--title", "two <lr> runs"}, dir_->path());
    ASSERT_EQ(written.exit_status, 0) << written.output;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string report() { return *dir_ / "report.html"; }
  static inline testing::TempDir* dir_ = nullptr;
};

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    ProcessResult found = run_process({"sh", "-c", std::string("command -v ") + name});
    if (found.exit_status == 0) return testing::last_line(found.output);
  }
  return "";
}

TEST_F(Report, IsOneFileThatLoadsNothingFromElsewhere) {
  std::string html = read_file(report());
  EXPECT_NE(html.find("<title>two &lt;lr&gt; runs</title>"), std::string::npos);
  for (const char* run : {"lr_0.001/1", "lr_0.01/1"}) EXPECT_NE(html.find(run), std::string::npos) << run;
  // No fetches: no external scripts, stylesheets, fonts, images or URLs (the SVG namespace
  // is a name, never loaded).
  std::string without_namespace = std::regex_replace(html, std::regex("http://www\\.w3\\.org/2000/svg"), "");
  for (const char* fetch : {"<script src", "<link", "@import", "url(", "http://", "https://", "<img"})
    EXPECT_EQ(without_namespace.find(fetch), std::string::npos) << fetch;
}

TEST_F(Report, HeadlessChromiumDrawsEveryRunsCurves) {
  std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "Chromium is not installed (apt-get install chromium): report not rendered";
  std::vector<std::string> browser{chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"};
  auto dump = browser;
  dump.insert(dump.end(), {"--dump-dom", "file://" + report()});
  ProcessResult dom = run_process(dump, dir_->path());
  ASSERT_EQ(dom.exit_status, 0) << dom.output;
  std::smatch drawn;
  ASSERT_TRUE(std::regex_search(dom.output, drawn, std::regex("data-curves=\"(\\d+)\""))) << "the script did not run";
  EXPECT_GE(std::stoi(drawn[1]), 8) << "train/test loss and accuracy for two runs";
  for (const char* run : {"lr_0.001/1", "lr_0.01/1"}) {
    std::regex curve(std::string("class=\"curve\" d=\"M[^\"]*L[^\"]*\"[^>]*data-run=\"") + run + "\"");
    EXPECT_TRUE(std::regex_search(dom.output, curve)) << "no drawn train curve for " << run;
  }
  // A picture for people: build/tests/report-screenshot.png.
  std::string screenshot =
      fs::path(testing::plugin_cache_dir_for_tests()).parent_path().string() + "/report-screenshot.png";
  fs::remove(screenshot);
  auto shoot = browser;
  shoot.insert(shoot.end(), {"--window-size=1250,1300", "--screenshot=" + screenshot, "file://" + report()});
  ProcessResult shot = run_process(shoot, dir_->path());
  ASSERT_EQ(shot.exit_status, 0) << shot.output;
  ASSERT_TRUE(fs::exists(screenshot));
  EXPECT_EQ(read_file(screenshot).substr(1, 3), "PNG");
  EXPECT_GT(fs::file_size(screenshot), 10000u);
}

// A diverged run's NaN used to become null and be drawn at 0 (it looked like loss 0), and a run
// named "<!--<script>" stopped every chart.
TEST(ReportOfAHostileRun, NonFiniteValuesAreGapsAndMarkersAndNamesCannotBreakTheScript) {
  testing::TempDir dir;
  const std::string name = "x<!--<script>";
  auto trained = run_forge(
      {"train", "--data", "synthetic", "--model", "mlp", "--epochs", "2", "--log_every", "4", "--run_name", name},
      dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  std::ofstream(dir / ("checkpoints/" + name + "/1/metrics.csv"), std::ios::app)
      << "40,3,train,loss,nan,1.0\n44,3,train,loss,inf,1.0\n48,3,train,loss,0.5,1.0\n";
  ASSERT_EQ(run_forge({"report", "checkpoints", "-o", "report.html"}, dir.path()).exit_status, 0);
  const std::string html = read_file(dir / "report.html");
  const size_t data = html.find("<script id=\"forge-data\""), end = html.find("</script>", data);
  ASSERT_NE(data, std::string::npos);
  const std::string payload = html.substr(data, end - data);
  EXPECT_EQ(payload.find("<!--"), std::string::npos) << payload.substr(0, 300);
  EXPECT_NE(payload.find("x\\u003c!--\\u003cscript\\u003e"), std::string::npos);
  EXPECT_NE(payload.find("[40,\"NaN\"]"), std::string::npos);
  EXPECT_NE(payload.find("[44,\"Infinity\"]"), std::string::npos);
  EXPECT_EQ(payload.find("null"), std::string::npos);

  std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "Chromium is not installed (apt-get install chromium): report not rendered";
  ProcessResult dom = run_process(
      {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + dir / "report.html"},
      dir.path());
  ASSERT_EQ(dom.exit_status, 0) << dom.output;
  std::smatch drawn;
  ASSERT_TRUE(std::regex_search(dom.output, drawn, std::regex("data-curves=\"(\\d+)\""))) << "the script did not run";
  EXPECT_GE(std::stoi(drawn[1]), 4);
  EXPECT_NE(dom.output.find("class=\"nonfinite\""), std::string::npos) << "no marker for NaN";
  EXPECT_NE(dom.output.find("data-value=\"NaN\""), std::string::npos);
}

TEST_F(Report, NothingToReportOrNowhereToWriteAreClearErrors) {
  testing::TempDir empty;
  auto none = run_forge({"report", empty.path()}, dir_->path());
  EXPECT_EQ(none.exit_status, 5);
  EXPECT_NE(none.output.find("no runs under"), std::string::npos) << none.output;
  auto unwritable = run_forge({"report", "checkpoints", "-o", "/proc/forge-report.html"}, dir_->path());
  EXPECT_EQ(unwritable.exit_status, 2) << unwritable.output;
  EXPECT_NE(unwritable.output.find("cannot write /proc/forge-report.html"), std::string::npos) << unwritable.output;
}

// A GAN's samples are embedded (the PNG's own bytes) and a classifier's newest confusion matrix
// is drawn as a table shaded by each class's share.
TEST(ReportOfImagesAndTables, EmbedsTheNewestSamplesAndDrawsTheConfusionMatrix) {
  testing::TempDir dir;
  auto gan = run_forge({"train", "--data", "mnist", "--train_limit", "256", "--model", "gan", "--width", "4",
                        "--latent", "8", "--batch_size", "64", "--epochs", "2", "--run_name", "gan", "--no_progress"},
                       dir.path());
  ASSERT_EQ(gan.exit_status, 0) << gan.output;
  auto cnn = run_forge({"train", "--data", "mnist", "--train_limit", "256", "--model", "cnn", "--channels", "2",
                        "--epochs", "1", "--run_name", "cnn", "--no_progress"},
                       dir.path());
  ASSERT_EQ(cnn.exit_status, 0) << cnn.output;
  ASSERT_EQ(run_forge({"report", "checkpoints", "-o", "report.html"}, dir.path()).exit_status, 0);
  const std::string html = read_file(dir / "report.html");
  const std::string png = read_file(dir / "checkpoints/gan/1/images/samples/epoch-0002.png");
  EXPECT_NE(html.find("<img alt=\"samples\" src=\"data:image/png;base64,iVBORw0KGgo"), std::string::npos);
  EXPECT_NE(html.find("images/samples/epoch-0002.png"), std::string::npos);
  EXPECT_EQ(html.find("images/samples/epoch-0001.png"), std::string::npos) << "only the newest is shown";
  EXPECT_NE(html.find("<table class=\"heatmap\"><tr><th>true\\predicted</th><th>0</th>"), std::string::npos);
  EXPECT_NE(html.find("tables/test/confusion_matrix-step-"), std::string::npos);
  EXPECT_NE(html.find("<details class=\"model\"><summary>model: "), std::string::npos) << "the model summary";
  EXPECT_FALSE(png.empty());
}

}  // namespace
}  // namespace forge
