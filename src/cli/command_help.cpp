#include "cli/command_help.hpp"

#include <iostream>

namespace forge {

void print_command_help(const std::string& usage, const FlagSet& syntax) { std::cout << usage << syntax.help(); }

std::optional<CommandLine> read_command_line(const Args& args, const std::string& usage, const FlagSet& syntax) {
  CommandLine line = syntax.parse_command_line(args);
  if (!line.help) return line;
  print_command_help(usage, syntax);
  return std::nullopt;
}

}  // namespace forge
