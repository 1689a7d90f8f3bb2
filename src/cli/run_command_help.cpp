#include "cli/run_command_help.hpp"

#include <forge/error.hpp>

#include <iostream>

namespace forge {

bool print_run_command_help(const std::vector<std::string>& args, const std::string& usage, const FlagSet& options) {
  if (!args.empty() && args[0] != "--help" && args[0] != "-h") return false;
  std::cout << usage << options.help();
  if (args.empty()) throw Error(ExitCode::usage, "no run folder given; " + usage.substr(0, usage.find('\n')));
  return true;
}

}  // namespace forge
