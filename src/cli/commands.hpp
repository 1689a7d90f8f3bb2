// The subcommands of the forge executable. Each takes the arguments after its name and
// returns the process exit code; errors are thrown as forge::Error and mapped by run_cli.
#pragma once

#include <string>
#include <vector>

namespace forge {

using Args = std::vector<std::string>;

int train_command(const Args& args, const Args& command_line);
int resume_command(const Args& args, const Args& command_line);
int eval_command(const Args& args);
int compile_command(const Args& args);
int check_resume_command(const Args& args);

// The whole CLI: dispatches argv[1], prints errors as one line, returns the exit code.
int run_cli(int argc, char** argv);

}  // namespace forge
