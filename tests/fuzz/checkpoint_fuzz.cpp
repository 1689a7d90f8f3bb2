// A checkpoint of forge's format whose checksums are right but whose index and data are anything
// (a hostile writer computes checksums too): restoring it into a model and optimizer gives a
// position, or a forge error naming the file, never a crash or another exception. The target
// puts the right checksums into the input's header before it writes the file; the frame's own
// checks are checkpoint_frame_fuzz's.
#include "checkpoint_edits.hpp"
#include "fuzz_support.hpp"
#include "train/checkpoint.hpp"

#include <forge/error.hpp>

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The model of the seed corpus (forge's mlp, --n_hidden 2, on synthetic data), afresh for each
  // input: a load may have replaced its tensors.
  torch::nn::Sequential model(torch::nn::Flatten(), torch::nn::Linear(64, 2), torch::nn::ReLU(),
                              torch::nn::Linear(2, 4));
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  std::string file(reinterpret_cast<const char*>(data), size);
  forge::testing::make_checksums_right(file);
  const std::string path = forge::fuzz::write_input("checkpoints/step-00000001.ckpt",
                                                    reinterpret_cast<const uint8_t*>(file.data()), file.size());
  try {
    (void)forge::read_checkpoint_position(path);
  } catch (const forge::Error&) {
  }
  try {
    (void)forge::checkpoint_callback_states(forge::read_checkpoint_file(path), path);  // the callbacks' records
  } catch (const forge::Error&) {
  }
  try {
    (void)forge::load_checkpoint(path, *model, &optimizer);
    model->forward(torch::zeros({1, 64}));  // what it restored is a model that runs
  } catch (const forge::Error&) {
  }
  return 0;
}
