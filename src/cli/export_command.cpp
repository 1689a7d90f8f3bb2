// forge export: a run's weights for Python. Writes the model's parameters and buffers as a
// state_dict in PyTorch's own file format (a zip of a pickled string -> tensor dict and the
// tensors' storages), which Python's torch.load reads, also with weights_only=True (its default
// since PyTorch 2.6), and load_state_dict accepts into the same architecture.
#include "cli/command_help.hpp"
#include "cli/commands.hpp"
#include "core/atomic_file.hpp"

#include <forge/error.hpp>
#include <forge/run.hpp>

#include <spdlog/spdlog.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickler.h>

#include <iostream>

namespace forge {
namespace {

const char* usage =
    "usage: forge export RUN_DIR [--checkpoint STEP|best] [--ema] [--force] -o FILE.pt\n"
    "Writes the model's parameters and buffers at a checkpoint as a PyTorch state_dict\n"
    "(torch.load(FILE) in Python gives a dict of tensors for load_state_dict).\n";

FlagSet export_syntax() {
  FlagSet set("export");
  set.take_operands({"RUN_DIR"}, 1);
  set.declare({text_flag("checkpoint", "",
                         "step of the checkpoint to export, or best (the one --keep_best kept); "
                         "default: the newest intact one"),
               text_flag("output", "", "the file to write"),
               bool_flag("ema", false, "export the average of the weights a run trained with --ema_decay keeps"),
               bool_flag("force", false,
                         "load the run's plugin libraries even when they lie outside the run folder or differ from "
                         "what it recorded (only for runs you trust)")},
              "forge export");
  set.add_short_name('o', "output");
  return set;
}

// The bytes of torch.save(state) for a dict of CPU tensors. Not torch::pickle_save: it tags the
// dict with its C++ type (torch.jit._pickle.restore_type_tag), a global that torch.load's
// weights_only unpickler refuses.
std::vector<char> state_dict_file(const c10::Dict<std::string, torch::Tensor>& state) {
  std::vector<char> pickle;
  torch::jit::Pickler pickler([&](const char* bytes, size_t size) { pickle.insert(pickle.end(), bytes, bytes + size); },
                              /*tensor_table=*/nullptr, /*type_renamer=*/nullptr, /*memoized_class_types=*/nullptr,
                              /*get_tensor_id=*/nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(c10::IValue(state));
  pickler.stop();
  std::vector<char> file;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, size_t size) {
    const char* bytes = static_cast<const char*>(data);
    file.insert(file.end(), bytes, bytes + size);
    return size;
  });
  torch::jit::writeArchiveAndTensors("data", pickle.data(), pickle.size(), pickler.tensorData(), writer);
  writer.writeEndOfFile();
  return file;
}

}  // namespace

int export_command(const Args& args) {
  const std::optional<CommandLine> line = read_command_line(args, usage, export_syntax());
  if (!line) return 0;
  const Flags& options = line->flags;
  const std::string output = options.text("output");
  if (output.empty()) throw Error(ExitCode::usage, "no output file given; forge export RUN_DIR -o FILE.pt");

  LoadOptions load;
  load.checkpoint = options.text("checkpoint");
  load.force = options.boolean("force");
  load.average = options.boolean("ema");
  LoadedCheckpoint run = load_from_checkpoint(line->operands[0], load);
  c10::Dict<std::string, torch::Tensor> state;
  int64_t values = 0;
  auto keep = [&](const std::string& name, const torch::Tensor& tensor) {
    // A copy of its own: a tensor that views a larger storage would write all of that storage.
    state.insert(name, tensor.detach().to(torch::kCPU).clone(at::MemoryFormat::Contiguous));
    values += tensor.numel();
  };
  for (const auto& parameter : run.model->module().named_parameters()) keep(parameter.key(), parameter.value());
  for (const auto& buffer : run.model->module().named_buffers()) keep(buffer.key(), buffer.value());
  std::vector<char> bytes = state_dict_file(state);
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
