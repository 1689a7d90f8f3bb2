// One parser over forge's flags and the plugins' flags (Boost.Program_options underneath):
// the command line, then an optional config file of the same flags, command line winning.
// Every flag must be declared by someone; values are checked against the declared type.
#pragma once

#include <forge/plugin.hpp>

#include <string>
#include <vector>

namespace forge {

class FlagSet {
 public:
  // Adds `specs` under a help heading such as "forge" or "model plugin mlp".
  // Throws Error(ExitCode::plugin) when a name is already declared, naming both owners.
  void declare(const std::vector<FlagSpec>& specs, const std::string& owner);

  // Parses `args` (options only, no program or subcommand name) and then, when
  // `config_file` is not empty, that file. Undeclared flags fill in from their defaults.
  // Throws Error(ExitCode::usage) for an unknown flag (suggesting the closest one), a value
  // of the wrong type, a repeated flag or a stray argument.
  Flags parse(const std::vector<std::string>& args, const std::string& config_file = "") const;

  // Checks and normalises one value as `name`'s type would ("1e-3" stays, "yes" -> "true").
  // Throws Error(ExitCode::usage) naming the flag and the expected type.
  std::string normalise(const std::string& name, const std::string& value) const;

  // Makes `values` the defaults of the flags they name (a resume parses against the saved run).
  void set_defaults(const Flags& values);

  bool declares(const std::string& name) const;
  const FlagSpec& spec(const std::string& name) const;
  std::vector<std::string> names() const;

  // The options of every owner, grouped under its heading, with types and defaults.
  std::string help() const;

 private:
  struct Declared {
    FlagSpec spec;
    std::string owner;
  };
  std::vector<Declared> declared_;
};

// Scans args for `--name value` or `--name=value` without parsing anything else; "" if absent.
// Used to find --data, --model and --config before the plugins' flags are known.
std::string find_flag_value(const std::vector<std::string>& args, const std::string& name);

// The value of `name = value` in a config file, "" if absent. Throws Error(ExitCode::usage)
// when the file cannot be read.
std::string find_config_value(const std::string& config_file, const std::string& name);

// `name`'s value from `args`, else from the --config file `args` name; "" if neither sets it.
std::string given_or_configured(const std::vector<std::string>& args, const std::string& name);

// Whether the switch --`name` is on in `args` (--name, --name=true, --name true): what a
// command must know before its flag parser exists.
bool switch_given(const std::vector<std::string>& args, const std::string& name);

}  // namespace forge
