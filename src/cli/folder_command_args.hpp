// The arguments of the commands that read a folder of runs (`forge runs`, `forge report`):
// at most one folder, and options given as `--name value` or `--name=value`.
#pragma once

#include "cli/commands.hpp"

#include <functional>
#include <string>

namespace forge {

struct FolderCommandArgs {
  std::string folder;
  bool help = false;  // -h or --help came (parsing stopped there)
};

// Gives each option to `on_option(name, value)`, where calling `value()` takes the option's
// value; it returns false for a name the command does not know. Throws Error(usage), naming
// `command`, for an unknown option, a missing value or a second folder.
FolderCommandArgs parse_folder_command_args(
    const Args& args, const std::string& command, const std::string& default_folder,
    const std::function<bool(const std::string& name, const std::function<std::string()>& value)>& on_option);

}  // namespace forge
