// Using a trained run from your own program: the data and the ready model of a run folder, as
// one of its checkpoints left them, built from what the folder holds (its saved plugins and
// flags) and nothing else. The C++ counterpart of the Python tool's
// `load_from_checkpoint(checkpoint_dir, checkpoint_iter, override_flags=...)`.
//
//   forge::LoadedCheckpoint run = forge::load_from_checkpoint("checkpoints/mnist_mlp/3");
//   torch::Tensor logits = run.model->forward(run.data.dataset("test").inputs.slice(0, 0, 8));
//
// Link forge::forge (find_package(forge)). Errors are thrown as forge::Error (forge/error.hpp),
// with the message and exit code the forge command line would give.
#pragma once

#include <forge/error.hpp>
#include <forge/export.hpp>
#include <forge/model.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace forge {

struct LoadOptions {
  // Which checkpoint: "" for the newest intact one, "best" for the one --keep_best kept, or a
  // step number ("1875").
  std::string checkpoint;
  // Flag values that replace the saved ones, by name without "--": {{"data_dir", "/mnt/data"}}.
  // Each must be one of the run's flags (forge's or its plugins'); values are type-checked.
  std::map<std::string, std::string> override_flags;
  // Where the model goes: "cpu", "cuda" or "cuda:N".
  std::string device = "cpu";
  // A run folder is code, like a pickle: its plugin libraries are loaded only when they lie
  // inside it and match the SHA-1 it recorded (else they are rebuilt from its saved sources,
  // or refused). true loads them anyway: only for runs you trust.
  bool force = false;
  // The average of the weights a run trained with --ema_decay keeps, instead of the weights.
  bool average = false;
};

struct LoadedCheckpoint {
  std::string run_dir;
  int64_t step = 0;   // the checkpoint's optimizer step
  int64_t epoch = 0;  // the epoch in progress when it was written, from 0
  // The flags data and model were built with: the run's saved flags and the overrides.
  Flags flags;
  // What the run's data plugin returns for those flags, with the 'valid' split forge carved out
  // of 'train' when the run asked for one (--valid_fraction).
  DataMap data;
  // The run's model with the checkpoint's weights, in eval mode, on LoadOptions::device.
  std::shared_ptr<Model> model;
};

// Opens `run_dir`, loads the data and model plugins saved in it (rebuilding one from its saved
// source if this forge cannot load the saved library), builds data and model from the saved
// flags, and restores the chosen checkpoint. Like `forge eval`, it first applies the run's
// process settings to this process: --seed (data plugins that draw random numbers make the
// same data), --threads when set, --flush_denormal and --deterministic.
FORGE_API LoadedCheckpoint load_from_checkpoint(const std::string& run_dir, const LoadOptions& options = {});

// The steps of the run's checkpoints, oldest first.
FORGE_API std::vector<int64_t> list_run_checkpoints(const std::string& run_dir);

}  // namespace forge
