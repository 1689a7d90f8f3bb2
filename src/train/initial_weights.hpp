// Fine-tuning: weights a run starts from instead of the model's own initialisation (--init_from
// a forge run, --init_weights a file), and parameters it leaves as they are (--freeze). A run
// keeps a copy of its initial weights (runs/run_files.hpp's initial_weights_file), so neither
// resume nor eval ever needs the original.
#pragma once

#include "runs/checkpoint_frame.hpp"

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace forge {

// Tensors by parameter or buffer name, and where they came from.
struct InitialWeights {
  std::string source;
  std::map<std::string, torch::Tensor> tensors;
};

// The model's tensors in a forge checkpoint (a run's, or a run's copy of its initial weights).
InitialWeights weights_of_checkpoint(const CheckpointContents& contents, const std::string& source);

// A forge checkpoint, or a state_dict saved by torch.save (a `forge export`, PyTorch's own, an
// OrderedDict or a dict, zip or legacy format), read by forge's own checked readers: no pickle
// code runs. Throws Error(ExitCode::run) naming the file when it is neither, or holds anything
// but tensors by name, or a tensor reaching outside its bytes.
InitialWeights read_weights_file(const std::string& path);

// --init_rename's comma-separated OLD=NEW pairs. Throws Error(ExitCode::usage) for a pair
// without '='.
using WeightRenames = std::vector<std::pair<std::string, std::string>>;
WeightRenames parse_weight_renames(const std::string& text);

// Renames the weights: each pair applies to a name equal to OLD or starting with OLD followed
// by '.' (OLD empty: every name gets NEW as a prefix); the first pair that matches a name
// renames it. Throws Error(ExitCode::usage) for a pair that matches no name (listing a few),
// and Error(ExitCode::run) when two tensors end up with one name.
void rename_weights(InitialWeights& weights, const WeightRenames& pairs);

// --init_skip_mismatched: removes the tensors whose shape differs from the module's tensor of
// the same name, logging each; returns how many.
size_t drop_mismatched_weights(const torch::nn::Module& module, InitialWeights& weights);

// Copies the weights into `module` by name, under no gradient. Throws Error(ExitCode::run)
// naming every tensor whose shape differs; names only one side has are logged, and with
// `strict` are an error too.
void apply_initial_weights(torch::nn::Module& module, const InitialWeights& weights, bool strict);

// Writes the weights as a forge checkpoint holding only them (with their source in its record).
void save_initial_weights(const std::string& path, const InitialWeights& weights);

// --freeze: sets requires_grad false on the parameters named by `names` (comma-separated; a
// name is a parameter or a module: "features" freezes features.0.weight, features.1.bias...).
// Throws Error(ExitCode::usage) for a name that matches no parameter, listing the top-level ones.
void freeze_parameters(torch::nn::Module& module, const std::string& names);

}  // namespace forge
