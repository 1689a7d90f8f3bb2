// Bash completion (scripts/forge-completion.bash), run in a real bash: commands, flags as
// `forge COMMAND --help` lists them (the plugins' too), plugin files, run folders.
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <sstream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

// The completions bash offers for the command line `words` (the last word being completed),
// typed in `cwd`, one per line, sorted.
std::vector<std::string> complete(const std::vector<std::string>& words, const std::string& cwd) {
  std::string script = "source '" + testing::source_dir() + "/scripts/forge-completion.bash'\nCOMP_WORDS=(";
  for (const auto& word : words) script += "'" + word + "' ";
  script +=
      ")\nCOMP_CWORD=" + std::to_string(words.size() - 1) + "\n_forge\nprintf '%s\\n' \"${COMPREPLY[@]}\" | sort\n";
  ProcessResult result = run_process({"bash", "-c", script}, cwd);
  EXPECT_EQ(result.exit_status, 0) << result.output;
  std::vector<std::string> lines;
  std::istringstream in(result.output);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

using Words = std::vector<std::string>;

TEST(BashCompletion, CommandsFlagsPluginsAndRunFolders) {
  testing::TempDir work;
  const std::string forge = testing::forge_binary();
  testing::write_text(work / "my_net.cpp", "");
  testing::write_text(work / "my_notes.txt", "");
  testing::write_text(work / "checkpoints/r/1/manifest.json", "{}");

  EXPECT_EQ(complete({forge, "tr"}, work.path()), Words{"train"});
  EXPECT_EQ(complete({forge, "sw"}, work.path()), Words{"sweep"});
  EXPECT_EQ(complete({forge, "sweep", "--slurm_ti"}, work.path()), Words{"--slurm_time"});
  EXPECT_EQ(complete({forge, "sweep", "--data", "synthetic", "--model", "mlp", "--n_h"}, work.path()),
            Words{"--n_hidden"});
  EXPECT_EQ(complete({forge, "e"}, work.path()), (Words{"eval", "export"}));
  EXPECT_EQ(complete({forge, "train", "--ep"}, work.path()), Words{"--epochs"});
  EXPECT_EQ(complete({forge, "train", "--n_h"}, work.path()), Words{});  // the model's flag needs the model
  EXPECT_EQ(complete({forge, "train", "--data", "synthetic", "--model", "mlp", "--n_h"}, work.path()),
            Words{"--n_hidden"});
  EXPECT_EQ(complete({forge, "train", "--data", "synthetic", "--model", "mlp", "--data_s"}, work.path()),
            Words{"--data_seed"});
  EXPECT_EQ(complete({forge, "eval", "--check"}, work.path()), Words{"--checkpoint"});
  EXPECT_EQ(complete({forge, "export", "--o"}, work.path()), Words{"--output"});
  EXPECT_EQ(complete({forge, "train", "--model", "m"}, work.path()), (Words{"mlp", "my_net.cpp"}));
  EXPECT_EQ(complete({forge, "train", "--data", "s"}, work.path()), Words{"synthetic"});
  EXPECT_EQ(complete({forge, "eval", "chec"}, work.path()), Words{"checkpoints"});
  EXPECT_EQ(complete({forge, "show", "checkpoints/r/"}, work.path()), Words{"checkpoints/r/1"});
  EXPECT_EQ(complete({forge, "compile", "my"}, work.path()), Words{"my_net.cpp"});
}

}  // namespace
}  // namespace forge
