#include "sweep/slurm_sweep.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {
namespace {

PointToRun point(std::vector<std::string> args, const std::string& run_dir, const std::string& label = "lr=0.1") {
  return {0, label, run_dir, std::move(args)};
}

std::string line_with(const std::string& script, const std::string& start) {
  const size_t at = script.find("\n" + start);
  return at == std::string::npos ? "" : script.substr(at + 1, script.find('\n', at + 1) - at - 1);
}

// Values with spaces, quotes and $() used to go into #SBATCH lines and the label comment raw:
// a space truncated log paths, an apostrophe aborted sbatch, a newline became shell code.
TEST(SlurmJobScript, EveryValueIsQuotedAndSbatchValuesAreDoubleQuoted) {
  SlurmOptions options;
  options.partition = "gpu queue";
  options.mem = "8G";
  const std::string script = slurm_job_script("/runs/it's here/sweeps/abc", "abc",
                                              {point({"--lr", "$(rm -rf ~)", "--note", "a'b"}, "/runs/it's here/1")},
                                              options, 0, "/opt/forge bin/forge", "/work dir");
  EXPECT_EQ(line_with(script, "#SBATCH --output="), "#SBATCH --output=\"/runs/it's here/sweeps/abc/slurm-%A_%a.out\"");
  EXPECT_EQ(line_with(script, "#SBATCH --partition="), "#SBATCH --partition=\"gpu queue\"");
  EXPECT_EQ(line_with(script, "cd "), "cd '/work dir' || exit 1");
  EXPECT_NE(script.find("exec '/opt/forge bin/forge' train '--lr' '$(rm -rf ~)' '--note' 'a'\\''b' --run_dir "
                        "'/runs/it'\\''s here/1' ;;  # point 0: lr=0.1\n"),
            std::string::npos)
      << script;
}

TEST(SlurmJobScript, ControlCharactersAndQuotesInSbatchValuesAreRefused) {
  SlurmOptions options;
  auto script = [&](const PointToRun& p, const std::string& sweep_dir = "/runs/s") {
    return slurm_job_script(sweep_dir, "abc", {p}, options, 0, "/usr/bin/forge", "/work");
  };
  EXPECT_THROW(script(point({"--note", "a\nrm -rf ~"}, "/runs/1")), Error);
  EXPECT_THROW(script(point({"--lr", "0.1"}, "/runs/1", "lr=0.1\nrm -rf ~")), Error);
  EXPECT_THROW(script(point({"--lr", "0.1"}, "/runs/\t1")), Error);
  EXPECT_THROW(script(point({"--lr", "0.1"}, "/runs/1"), "/runs/say \"hi\""), Error);
  options.time = "1:00\n#SBATCH --uid=0";
  try {
    script(point({"--lr", "0.1"}, "/runs/1"));
    FAIL() << "a newline in --slurm_time was written";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("--slurm_time holds a control character"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace forge
