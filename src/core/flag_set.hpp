// The one parser of forge's command lines: forge's flags and the plugins' flags of a training,
// and every other command's options and operands. The command line first, then an optional
// config file of the same flags (read with Boost.Program_options), the command line winning.
// Every flag must be declared by someone; values are checked against the declared type.
#pragma once

#include <forge/plugin.hpp>

#include <map>
#include <string>
#include <vector>

namespace forge {

// What a command line held: the command's operands (a run folder…), every declared flag's
// value (defaults filled in), and, for a command that hands them on, the arguments it does not
// declare, in order.
struct CommandLine {
  bool help = false;  // -h or --help came: nothing else was read
  std::vector<std::string> operands;
  Flags flags;
  std::vector<std::string> forwarded;
};

// The flags and operands one command takes, and the one parser of every forge command line.
class FlagSet {
 public:
  // `command` is what errors send the user to: "see forge <command> --help".
  explicit FlagSet(std::string command = "train") : command_(std::move(command)) {}

  // Adds `specs` under a help heading such as "forge" or "model plugin mlp".
  // Throws Error(ExitCode::plugin) when a name is already declared, naming both owners.
  void declare(const std::vector<FlagSpec>& specs, const std::string& owner);

  // -`letter` as another spelling of --`flag` (-o for --output, -j for --jobs).
  void add_short_name(char letter, const std::string& flag);

  // The operands the command takes, in order, as its usage names them ("RUN_DIR"); the first
  // `required` of them must be given. A last name ending in "..." ("RUN...") takes every operand
  // left. A command declares none by default.
  void take_operands(std::vector<std::string> names, size_t required);

  // Arguments the set does not declare (and operands past those it takes) are handed on in
  // CommandLine::forwarded instead of refused: forge sweep and check-resume pass them to forge
  // train, forge resume to the parser that knows the run's plugins.
  void forward_undeclared() { forwards_undeclared_ = true; }

  // Reads `args` (no program or command name): `--name value`, `--name=value`, a bare
  // `--switch` (or `--switch true|false`), short names, operands; then, when `config_file` is
  // not empty, that file's `name = value` lines for flags the command line left out.
  // Throws Error(ExitCode::usage), naming the command, for an unknown flag (suggesting the
  // closest), a missing value, a value of the wrong type, a flag given twice, a missing or
  // extra operand, or a config file that cannot be read.
  CommandLine parse_command_line(const std::vector<std::string>& args, const std::string& config_file = "") const;

  // parse_command_line's flags, for a set that takes no operands.
  Flags parse(const std::vector<std::string>& args, const std::string& config_file = "") const;

  // Checks and normalises one value as `name`'s type would ("1e-3" stays, "yes" -> "true").
  // Throws Error(ExitCode::usage) naming the flag and the expected type.
  std::string normalise(const std::string& name, const std::string& value) const;

  // Makes `values` the defaults of the flags they name (a resume parses against the saved run).
  void set_defaults(const Flags& values);

  bool declares(const std::string& name) const;
  const FlagSpec& spec(const std::string& name) const;
  std::vector<std::string> names() const;
  const std::string& command() const { return command_; }
  void set_command(std::string command) { command_ = std::move(command); }

  // The options of every owner, grouped under its heading, with types and defaults.
  std::string help() const;

 private:
  struct Declared {
    FlagSpec spec;
    std::string owner;
    char short_name = 0;
  };
  const Declared* find(const std::string& name) const;
  const Declared* find_short(char letter) const;
  [[noreturn]] void unknown_flag(const std::string& typed) const;
  void read_config_file(const std::string& config_file, std::map<std::string, std::string>& given) const;

  std::string command_;
  std::vector<Declared> declared_;
  std::vector<std::string> operand_names_;
  size_t required_operands_ = 0;
  bool forwards_undeclared_ = false;
};

// Scans args for `--name value` or `--name=value` without parsing anything else; "" if absent.
// Used to find --data, --model and --config before the plugins' flags are known.
std::string find_flag_value(const std::vector<std::string>& args, const std::string& name);

// The value of `name = value` in a config file, "" if absent. Throws Error(ExitCode::usage)
// when the file cannot be read.
std::string find_config_value(const std::string& config_file, const std::string& name);

// Every `name = value` of a config file, in order. Throws Error(ExitCode::usage) when the file
// cannot be read or parsed.
std::vector<std::pair<std::string, std::string>> config_entries(const std::string& config_file);

// `name`'s value from `args`, else from the --config file `args` name; "" if neither sets it.
std::string given_or_configured(const std::vector<std::string>& args, const std::string& name);

// Whether the switch --`name` is on in `args` (--name, --name=true, --name true): what a
// command must know before its flag parser exists.
bool switch_given(const std::vector<std::string>& args, const std::string& name);

}  // namespace forge
