// What a user sees: on a terminal a progress bar per epoch (in colour unless NO_COLOR), the
// --log_every lines going to log.txt instead; elsewhere, or with --no_progress, plain lines.
#include "core/atomic_file.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace forge {
namespace {

const std::string erase_line = "\r\033[K";
const std::string green = "\033[32m";

std::vector<std::string> short_run(const std::string& name) {
  return {"train",  "--data", "synthetic",   "--model", "mlp",        "--epochs", "2",
          "--seed", "1",      "--log_every", "4",       "--run_name", name};
}

// Runs forge under `script`, which gives it a pseudo-terminal for stdout and stderr.
ProcessResult run_forge_on_a_terminal(const std::vector<std::string>& args, const std::string& cwd,
                                      const std::string& environment = "") {
  std::string command = environment + " " + testing::forge_binary();
  for (const auto& arg : args) command += " '" + arg + "'";
  return run_process({"script", "-qec", command, "/dev/null"}, cwd);
}

TEST(TerminalOutput, ATerminalShowsAColouredProgressBarAndTheStepLinesGoToTheLogFile) {
  testing::TempDir dir;
  ProcessResult shown = run_forge_on_a_terminal(short_run("tty"), dir.path());
  ASSERT_EQ(shown.exit_status, 0) << shown.output;
  EXPECT_NE(shown.output.find(erase_line + "epoch 1/2 ["), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("] 16/16 "), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find(" steps/s"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find(" loss "), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find(green), std::string::npos) << "colours on a terminal";
  EXPECT_EQ(shown.output.find("epoch 1 step 4 (4/16)"), std::string::npos) << "the bar replaces the step lines";
  EXPECT_NE(read_file(dir / "checkpoints/tty/1/log.txt").find("epoch 1 step 4 (4/16)"), std::string::npos);
}

TEST(TerminalOutput, NoColorTurnsColoursOffAndNoProgressBringsBackTheLines) {
  testing::TempDir dir;
  ProcessResult plain = run_forge_on_a_terminal(short_run("no_color"), dir.path(), "NO_COLOR=1");
  ASSERT_EQ(plain.exit_status, 0) << plain.output;
  EXPECT_NE(plain.output.find(erase_line + "epoch 1/2 ["), std::string::npos) << plain.output;
  EXPECT_EQ(plain.output.find(green), std::string::npos) << plain.output;

  auto args = short_run("no_progress");
  args.push_back("--no_progress");
  ProcessResult lines = run_forge_on_a_terminal(args, dir.path());
  ASSERT_EQ(lines.exit_status, 0) << lines.output;
  EXPECT_EQ(lines.output.find(erase_line), std::string::npos) << lines.output;
  EXPECT_NE(lines.output.find("epoch 1 step 4 (4/16)"), std::string::npos) << lines.output;
}

TEST(TerminalOutput, OutputThatIsNotATerminalGetsPlainLinesWithoutEscapes) {
  testing::TempDir dir;
  ProcessResult piped = testing::run_forge(short_run("piped"), dir.path());
  ASSERT_EQ(piped.exit_status, 0) << piped.output;
  EXPECT_EQ(piped.output.find('\033'), std::string::npos) << piped.output;
  EXPECT_NE(piped.output.find("epoch 1 step 4 (4/16)"), std::string::npos) << piped.output;
}

// 500 samples in batches of 32: the last batch of each epoch holds 20. libtorch warned twice
// an epoch ("An output with one or more elements was resized") when the reused batch buffers
// were filled at the new size.
TEST(TerminalOutput, APartialLastBatchPrintsNoLibtorchWarning) {
  testing::TempDir dir;
  ProcessResult result = testing::run_forge(
      {"train", "--data", "synthetic", "--model", "mlp", "--samples", "500", "--epochs", "2", "--run_name", "partial"},
      dir.path());
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_EQ(result.output.find("resized"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("Warning:"), std::string::npos) << result.output;
  EXPECT_EQ(read_file(dir / "checkpoints/partial/1/log.txt").find("resized"), std::string::npos);
}

}  // namespace
}  // namespace forge
