// The subcommands of forge. Each takes the arguments after its name and returns the process
// exit code; errors are thrown as forge::Error and mapped to exit codes by report_errors.
//
// forge is two executables so that the commands which need no libtorch start in milliseconds:
// `forge` (torch-free: help, --version, compile, runs, show, diff, report, sweep) hands every training command to
// `forge-engine` (linked with libtorch) by exec, keeping its process id, arguments and terminal.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace forge {

using Args = std::vector<std::string>;

// The commands forge-engine runs; `forge` execs the engine for these.
inline const std::vector<std::string> engine_commands{"train", "resume", "eval", "export", "search", "check-resume"};

int train_command(const Args& args, const Args& command_line);
int resume_command(const Args& args, const Args& command_line);
int eval_command(const Args& args);
int export_command(const Args& args);
int compile_command(const Args& args);
int runs_command(const Args& args);
int show_command(const Args& args);
int diff_command(const Args& args);
int report_command(const Args& args);
int sweep_command(const Args& args, const Args& command_line);
int search_command(const Args& args, const Args& command_line);
int check_resume_command(const Args& args);
int sync_command(const Args& args);

// Runs `command`, printing any exception as one "forge: error: ..." line and returning its
// exit code (1 for exceptions that are not forge::Error). `describe` turns an exception into
// that line's text.
int report_errors(const std::function<int()>& command,
                  const std::function<std::string(const std::exception&)>& describe);

// main() of `forge`: runs the torch-free commands, execs forge-engine for the others.
int run_cli(int argc, char** argv);

// main() of `forge-engine`: runs the commands that need libtorch.
int run_engine(int argc, char** argv);

}  // namespace forge
