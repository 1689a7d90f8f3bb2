#include "cli/commands.hpp"

#include "cli/engine_path.hpp"
#include "core/build_config.hpp"
#include "core/logging.hpp"
#include "core/suggest.hpp"

#include <forge/error.hpp>
#include <forge/plugin.hpp>

#include <algorithm>
#include <iostream>

namespace forge {
namespace {

const char* help_text =
    "forge: train libtorch models from data and model plugins, into run folders that can always\n"
    "be resumed and evaluated.\n"
    "\n"
    "usage: forge COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  train    --data PLUGIN --model PLUGIN [flags]   train a new run (see forge train --help)\n"
    "  resume   RUN_DIR [--epochs N] [--force]          continue a run from its newest checkpoint\n"
    "  eval     RUN_DIR [--checkpoint STEP|best]        test-set metrics of a run's checkpoint\n"
    "  export   RUN_DIR [--checkpoint STEP|best] -o F   the model's weights as a PyTorch state_dict\n"
    "  sweep    --data P --model M --lr A,B [-j N]      a grid of runs, here or on SLURM; resumable\n"
    "  search   --data P --model M --lr loguniform:A:B  a search: sampled trials, the bad stopped early\n"
    "  compile  SOURCE.cpp                              build a plugin into the cache, print its path\n"
    "  runs     [DIR] [--sort KEY] [--status S]         table of the runs under DIR (checkpoints)\n"
    "  show     RUN_DIR                                 a run's record: status, plugins, flags, metrics\n"
    "  diff     RUN_A RUN_B                             flags, plugin sources and metrics that differ\n"
    "  report   [DIR] [-o FILE]                         one HTML file: runs table and learning curves\n"
    "  sync     RUN_OR_FOLDER... [--tracking_uri URI]   send an MLflow server what it lacks of runs\n"
    "  check-resume --data P --model M [flags]          check that stop + resume is bitwise exact\n"
    "  help                                             this text (also --help); --version\n"
    "\n"
    "Plugins: a built-in name (data: mnist, synthetic, csv, images, words, lines; models: mlp,\n"
    "cnn, gan, gru), a .so, or a .cpp that forge compiles (cached in $XDG_CACHE_HOME/forge).\n"
    "Bare names are searched in the built-in plugin folder, then in FORGE_PLUGIN_PATH\n"
    "(':'-separated folders).\n"
    "\n"
    "exit codes:\n"
    "  0    ok\n"
    "  1    training, evaluation or export failed (check-resume: a difference; sync: not all sent)\n"
    "  2    bad usage or flag (or a resume that is not exact without --force)\n"
    "  3    plugin compile error\n"
    "  4    plugin error\n"
    "  5    bad run folder or checkpoint (or a run trained by another process)\n"
    "  6    data error (also a bad sample mid-run, after a checkpoint)\n"
    "  130  interrupted by SIGINT (checkpointed; forge resume continues)\n"
    "  143  interrupted by SIGTERM (checkpointed; forge resume continues)\n";

int dispatch(const Args& args, char** argv) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << help_text;
    return args.empty() ? int(ExitCode::usage) : 0;
  }
  if (args[0] == "--version") {
    const BuildConfig& build = build_config();
    std::cout << "forge " << build.forge_version << " (" << libtorch_text(build.libtorch_version, build.cuda_version)
              << ", " << build.compiler_version << ", plugin ABI " << plugin_abi_version << ")\n";
    return 0;
  }
  const std::string& command = args[0];
  const Args rest(args.begin() + 1, args.end());
  if (command == "compile") return compile_command(rest);
  if (command == "runs") return runs_command(rest);
  if (command == "show") return show_command(rest);
  if (command == "diff") return diff_command(rest);
  if (command == "report") return report_command(rest);
  if (command == "sweep") return sweep_command(rest, args);
  if (command == "sync") return sync_command(rest);
  if (std::find(engine_commands.begin(), engine_commands.end(), command) != engine_commands.end()) exec_engine(argv);
  std::vector<std::string> known = engine_commands;
  known.insert(known.end(), {"compile", "runs", "show", "diff", "report", "sweep", "sync"});
  std::string guess = closest_name(command, known);
  throw Error(ExitCode::usage,
              "unknown command '" + command + "'" + (guess.empty() ? "" : "; did you mean " + guess + "?") +
                  " (commands: train, resume, eval, export, sweep, search, compile, runs, show, diff, report, "
                  "sync, check-resume; see forge --help)");
}

}  // namespace

int report_errors(const std::function<int()>& command,
                  const std::function<std::string(const std::exception&)>& describe) {
  try {
    return command();
  } catch (const Error& e) {
    std::cerr << "forge: error: " << e.what() << std::endl;
    return int(e.code());
  } catch (const std::exception& e) {
    std::cerr << "forge: error: " << describe(e) << std::endl;
    return int(ExitCode::failure);
  }
}

int run_cli(int argc, char** argv) {
  setup_console_log();
  Args args(argv + 1, argv + argc);
  return report_errors([&] { return dispatch(args, argv); },
                       [](const std::exception& e) { return std::string(e.what()); });
}

}  // namespace forge
