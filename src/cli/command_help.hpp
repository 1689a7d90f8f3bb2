// Every forge command reads its arguments with a FlagSet (core/flag_set.hpp) and answers
// -h/--help with its usage and that same flag table: what --help shows is what it accepts.
#pragma once

#include "cli/commands.hpp"
#include "core/flag_set.hpp"

#include <optional>
#include <string>

namespace forge {

// `usage`, then `syntax`'s flag table, on stdout.
void print_command_help(const std::string& usage, const FlagSet& syntax);

// `args` read by `syntax`; nullopt, after printing the help, when -h or --help was given.
std::optional<CommandLine> read_command_line(const Args& args, const std::string& usage, const FlagSet& syntax);

}  // namespace forge
