// forge export: a run's weights for Python. Writes the model's parameters and buffers as a
// state_dict in PyTorch's own pickle format (torch::pickle_save of a string -> tensor dict), which
// Python's torch.load reads and load_state_dict accepts into the same architecture.
#include "cli/commands.hpp"
#include "cli/run_command_help.hpp"
#include "core/atomic_file.hpp"
#include "train/model_state.hpp"

#include <forge/error.hpp>
#include <forge/run.hpp>

#include <spdlog/spdlog.h>

#include <iostream>

namespace forge {
namespace {

const char* usage =
    "usage: forge export RUN_DIR [--checkpoint STEP|best] [--force] -o FILE.pt\n"
    "Writes the model's parameters and buffers at a checkpoint as a PyTorch state_dict\n"
    "(torch.load(FILE) in Python gives a dict of tensors for load_state_dict).\n";

FlagSet export_flag_set() {
  FlagSet set;
  set.declare({text_flag("checkpoint", "",
                         "step of the checkpoint to export, or best (the one --keep_best kept); "
                         "default: the newest intact one"),
               text_flag("output", "", "the file to write (also -o)"),
               bool_flag("force", false,
                         "load the run's plugin libraries even when they lie outside the run folder or differ from "
                         "what it recorded (only for runs you trust)")},
              "forge export");
  return set;
}

}  // namespace

int export_command(const Args& args) {
  if (print_run_command_help(args, usage, export_flag_set())) return 0;
  Args options_args(args.begin() + 1, args.end());
  for (auto& arg : options_args)
    if (arg == "-o") arg = "--output";
  Flags options = export_flag_set().parse(options_args);
  const std::string output = options.text("output");
  if (output.empty()) throw Error(ExitCode::usage, "no output file given; forge export RUN_DIR -o FILE.pt");

  LoadOptions load;
  load.checkpoint = options.text("checkpoint");
  load.force = options.boolean("force");
  LoadedCheckpoint run = load_from_checkpoint(args[0], load);
  c10::Dict<std::string, torch::Tensor> state;
  int64_t values = 0;
  for (const auto& [name, tensor] : named_state(run.model->module())) {
    state.insert(name, tensor.detach().to(torch::kCPU).contiguous());
    values += tensor.numel();
  }
  std::vector<char> bytes = torch::pickle_save(c10::IValue(state));
  try {
    write_file_atomically(output, std::string(bytes.begin(), bytes.end()));
  } catch (const std::exception& e) {
    throw Error(ExitCode::failure, "cannot write " + output + ": " + e.what());
  }
  std::cout << "exported " << state.size() << " tensors (" << values << " values) of checkpoint step " << run.step
            << " to " << output << std::endl;
  return 0;
}

}  // namespace forge
