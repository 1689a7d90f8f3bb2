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

TEST(FindFlagValue, FindsBothSpellings) {
  EXPECT_EQ(find_flag_value({"--data", "mnist", "--model=mlp"}, "data"), "mnist");
  EXPECT_EQ(find_flag_value({"--data", "mnist", "--model=mlp"}, "model"), "mlp");
  EXPECT_EQ(find_flag_value({"--data"}, "data"), "");
}

}  // namespace forge
