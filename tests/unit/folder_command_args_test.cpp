#include "cli/folder_command_args.hpp"

#include "core/text_table.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

#include <map>

namespace forge {
namespace {

// Collects the options of a command that knows --title (with a value) and --json (without).
FolderCommandArgs parse(const Args& args, std::map<std::string, std::string>& seen) {
  return parse_folder_command_args(args, "report", "checkpoints", [&](const std::string& name, const auto& value) {
    if (name == "--title")
      seen[name] = value();
    else if (name == "--json")
      seen[name] = "";
    else
      return false;
    return true;
  });
}

TEST(FolderCommandArgs, TakesOneFolderAndOptionsWithSpaceOrEquals) {
  std::map<std::string, std::string> seen;
  FolderCommandArgs parsed = parse({"runs/exp", "--title", "a b", "--json"}, seen);
  EXPECT_EQ(parsed.folder, "runs/exp");
  EXPECT_FALSE(parsed.help);
  EXPECT_EQ(seen, (std::map<std::string, std::string>{{"--title", "a b"}, {"--json", ""}}));
  seen.clear();
  parsed = parse({"--title=x=y"}, seen);
  EXPECT_EQ(parsed.folder, "checkpoints");
  EXPECT_EQ(seen["--title"], "x=y");
  EXPECT_TRUE(parse({"--json", "-h", "--bogus"}, seen).help) << "parsing stops at help";
}

TEST(FolderCommandArgs, RefusesUnknownOptionsMissingValuesAndASecondFolder) {
  std::map<std::string, std::string> seen;
  auto message = [&](const Args& args) {
    try {
      parse(args, seen);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({"--bogus"}), "unknown option --bogus for forge report; see forge report --help");
  EXPECT_EQ(message({"--title"}), "--title needs a value; see forge report --help");
  EXPECT_EQ(message({"a", "b"}), "forge report takes one folder; got a and b");
}

TEST(TextTable, FixedOrDash) {
  EXPECT_EQ(fixed_or_dash(0.87519, 4), "0.8752");
  EXPECT_EQ(fixed_or_dash(std::nullopt, 4), "-");
}

}  // namespace
}  // namespace forge
