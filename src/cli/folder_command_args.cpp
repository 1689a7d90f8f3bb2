#include "cli/folder_command_args.hpp"

#include <forge/error.hpp>

namespace forge {

FolderCommandArgs parse_folder_command_args(
    const Args& args, const std::string& command, const std::string& default_folder,
    const std::function<bool(const std::string& name, const std::function<std::string()>& value)>& on_option) {
  FolderCommandArgs parsed{default_folder};
  bool folder_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      return parsed;
    }
    if (arg.rfind("-", 0) != 0) {
      if (folder_given)
        throw Error(ExitCode::usage, "forge " + command + " takes one folder; got " + parsed.folder + " and " + arg);
      parsed.folder = arg;
      folder_given = true;
      continue;
    }
    std::string inline_value;
    const bool has_inline_value = arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos;
    if (has_inline_value) {
      inline_value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
    }
    auto value = [&] {
      if (has_inline_value) return inline_value;
      if (i + 1 >= args.size()) throw Error(ExitCode::usage, arg + " needs a value; see forge " + command + " --help");
      return args[++i];
    };
    if (!on_option(arg, value))
      throw Error(ExitCode::usage,
                  "unknown option " + arg + " for forge " + command + "; see forge " + command + " --help");
  }
  return parsed;
}

}  // namespace forge
