#include "core/flag_set.hpp"

#include "test_support.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

namespace forge {
namespace {

FlagSet example_set() {
  FlagSet set;
  set.declare({integer_flag("epochs", 5, "epochs"), real_flag("lr", "0.001", "rate"), text_flag("name", "run", "name"),
               bool_flag("fast", false, "go fast")},
              "forge");
  set.declare({integer_flag("n_hidden", 128, "units")}, "model plugin mlp");
  return set;
}

// A command's syntax as forge report's: an optional folder, two options, -o.
FlagSet folder_command() {
  FlagSet set("report");
  set.take_operands({"DIR"}, 0);
  set.declare(
      {text_flag("output", "report.html", "file"), text_flag("sort", "run", "key"), bool_flag("json", false, "")},
      "forge report");
  set.add_short_name('o', "output");
  return set;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  return "no error";
}

ExitCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

}  // namespace

TEST(FlagSet, DefaultsFillUndeclaredValues) {
  Flags flags = example_set().parse({});
  EXPECT_EQ(flags.integer("epochs"), 5);
  EXPECT_DOUBLE_EQ(flags.real("lr"), 0.001);
  EXPECT_EQ(flags.text("name"), "run");
  EXPECT_FALSE(flags.boolean("fast"));
  EXPECT_EQ(flags.integer("n_hidden"), 128);
}

TEST(FlagSet, ParsesBothSpellingsAndBareBooleans) {
  Flags flags = example_set().parse({"--epochs", "7", "--lr=3e-4", "--fast", "--n_hidden", "64"});
  EXPECT_EQ(flags.integer("epochs"), 7);
  EXPECT_DOUBLE_EQ(flags.real("lr"), 3e-4);
  EXPECT_TRUE(flags.boolean("fast"));
  EXPECT_EQ(flags.integer("n_hidden"), 64);
}

TEST(FlagSet, UnknownFlagSuggestsClosest) {
  try {
    example_set().parse({"--n_hiden", "3"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_STREQ(e.what(), "unknown flag --n_hiden; did you mean --n_hidden?");
  }
}

TEST(FlagSet, NoAbbreviations) {
  EXPECT_EQ(code_of([] { example_set().parse({"--n_hid", "3"}); }), ExitCode::usage);
}

TEST(FlagSet, WrongTypesAreUsageErrors) {
  try {
    example_set().parse({"--epochs", "abc"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_STREQ(e.what(), "invalid value 'abc' for --epochs: expected an integer");
  }
  EXPECT_EQ(code_of([] { example_set().parse({"--epochs", "2.5"}); }), ExitCode::usage);
  EXPECT_EQ(code_of([] { example_set().parse({"--lr", "fast"}); }), ExitCode::usage);
  EXPECT_EQ(code_of([] { example_set().parse({"--fast=maybe"}); }), ExitCode::usage);
}

TEST(FlagSet, RepeatedFlagAndStrayArgumentAreErrors) {
  EXPECT_EQ(code_of([] { example_set().parse({"--epochs", "1", "--epochs", "2"}); }), ExitCode::usage);
  EXPECT_EQ(code_of([] { example_set().parse({"stray"}); }), ExitCode::usage);
}

TEST(FlagSet, ConfigFileFillsInAndCommandLineWins) {
  testing::TempDir dir;
  testing::write_text(dir / "exp.cfg", "# preset\nepochs = 9\nlr = 0.5\n");
  Flags flags = example_set().parse({"--lr", "0.25"}, dir / "exp.cfg");
  EXPECT_EQ(flags.integer("epochs"), 9);
  EXPECT_DOUBLE_EQ(flags.real("lr"), 0.25);
  EXPECT_EQ(find_config_value(dir / "exp.cfg", "epochs"), "9");
  EXPECT_EQ(find_config_value(dir / "exp.cfg", "data"), "");
}

TEST(FlagSet, ConfigFileErrors) {
  testing::TempDir dir;
  testing::write_text(dir / "bad.cfg", "epoch = 9\n");
  EXPECT_EQ(code_of([&] { example_set().parse({}, dir / "bad.cfg"); }), ExitCode::usage);
  EXPECT_EQ(code_of([&] { example_set().parse({}, dir / "missing.cfg"); }), ExitCode::usage);
}

TEST(FlagSet, DuplicateDeclarationNamesBothOwners) {
  FlagSet set = example_set();
  try {
    set.declare({integer_flag("epochs", 1, "")}, "data plugin x");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::plugin);
    EXPECT_NE(std::string(e.what()).find("data plugin x"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("forge"), std::string::npos);
  }
}

TEST(FlagSet, HelpListsEveryOwnerAndDefault) {
  std::string help = example_set().help();
  EXPECT_NE(help.find("forge flags:"), std::string::npos);
  EXPECT_NE(help.find("model plugin mlp flags:"), std::string::npos);
  EXPECT_NE(help.find("--n_hidden <integer>"), std::string::npos);
  EXPECT_NE(help.find("(default: 128)"), std::string::npos);
}

TEST(FlagSet, ReadsOperandsShortNamesAndValuesThatStartWithADash) {
  CommandLine line = folder_command().parse_command_line({"runs/a", "-o", "x.html", "--sort", "-accuracy", "--json"});
  EXPECT_FALSE(line.help);
  EXPECT_EQ(line.operands, std::vector<std::string>{"runs/a"});
  EXPECT_EQ(line.flags.text("output"), "x.html");
  EXPECT_EQ(line.flags.text("sort"), "-accuracy");
  EXPECT_TRUE(line.flags.boolean("json"));
  line = folder_command().parse_command_line({"--json", "false", "--sort=epochs"});
  EXPECT_TRUE(line.operands.empty());
  EXPECT_FALSE(line.flags.boolean("json"));
  EXPECT_EQ(line.flags.text("output"), "report.html");
  // A switch takes only a spelled-out value: "1" after it is an operand (a run folder named 1).
  EXPECT_EQ(folder_command().parse_command_line({"--json", "1"}).operands, std::vector<std::string>{"1"});
}

TEST(FlagSet, HelpWinsOverEverythingElseOnTheLine) {
  EXPECT_TRUE(folder_command().parse_command_line({"--bogus", "a", "b", "-h"}).help);
  EXPECT_TRUE(folder_command().parse_command_line({"--help"}).help);
}

TEST(FlagSet, EachUsageErrorNamesTheCommand) {
  const FlagSet set = folder_command();
  EXPECT_EQ(message_of([&] { set.parse_command_line({"--bogus"}); }),
            "unknown flag --bogus for forge report; see forge report --help");
  EXPECT_EQ(message_of([&] { set.parse_command_line({"-x"}); }),
            "unknown flag -x for forge report; see forge report --help");
  EXPECT_EQ(message_of([&] {
              set.parse_command_line({"--outptu", "f"});
            }),
            "unknown flag --outptu; did you mean --output?");
  EXPECT_EQ(message_of([&] { set.parse_command_line({"--sort"}); }), "--sort needs a value; see forge report --help");
  EXPECT_EQ(message_of([&] { set.parse_command_line({"-o", "--json"}); }), "-o needs a value; see forge report --help");
  EXPECT_EQ(message_of([&] {
              set.parse_command_line({"a", "b"});
            }),
            "unexpected argument 'b': forge report takes 1 operand(s) (DIR); see forge report --help");
  EXPECT_EQ(message_of([&] {
              set.parse_command_line({"-o", "a", "--output", "b"});
            }),
            "flag --output is given more than once");
  FlagSet needs_run("show");
  needs_run.take_operands({"RUN_DIR"}, 1);
  EXPECT_EQ(message_of([&] { needs_run.parse_command_line({}); }), "forge show needs RUN_DIR; see forge show --help");
}

TEST(FlagSet, ACommandThatForwardsHandsOnWhatItDoesNotDeclareInOrder) {
  FlagSet set("sweep");
  set.declare({integer_flag("jobs", 0, "")}, "forge sweep");
  set.add_short_name('j', "jobs");
  set.forward_undeclared();
  CommandLine line = set.parse_command_line({"--data", "synthetic", "-j", "2", "--lr=0.1,0.2", "--fast", "--x", "-1"});
  EXPECT_EQ(line.flags.integer("jobs"), 2);
  EXPECT_EQ(line.forwarded, (std::vector<std::string>{"--data", "synthetic", "--lr=0.1,0.2", "--fast", "--x", "-1"}));
}

TEST(FlagSet, HelpShowsShortNames) {
  EXPECT_NE(folder_command().help().find("--output, -o <text>"), std::string::npos);
}

TEST(FindFlagValue, FindsBothSpellings) {
  EXPECT_EQ(find_flag_value({"--data", "mnist", "--model=mlp"}, "data"), "mnist");
  EXPECT_EQ(find_flag_value({"--data", "mnist", "--model=mlp"}, "model"), "mlp");
  EXPECT_EQ(find_flag_value({"--data"}, "data"), "");
}

}  // namespace forge
