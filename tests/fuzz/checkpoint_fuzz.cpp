// A checkpoint whose frame is intact but whose payload is anything (a file forge did not
// write, a checkpoint of another program): restoring it into a model and optimizer gives a
// position, or a forge error naming the file, never a crash or another exception. The frame
// itself has its own target (checkpoint_frame_fuzz).
#include "fuzz_support.hpp"
#include "train/checkpoint.hpp"

#include <forge/error.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The model of the seed corpus (forge's mlp, --n_hidden 2, on synthetic data), afresh for each
  // input: a load may have replaced its tensors.
  torch::nn::Sequential model(torch::nn::Flatten(), torch::nn::Linear(64, 2), torch::nn::ReLU(), torch::nn::Linear(2, 4));
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  const std::string path = forge::fuzz::scratch_dir() + "/checkpoints/step-00000001.ckpt";
  forge::write_checkpoint_file(path, std::string(reinterpret_cast<const char*>(data), size));
  try {
    (void)forge::read_checkpoint_position(path);
  } catch (const forge::Error&) {
  }
  try {
    (void)forge::load_checkpoint(path, *model, &optimizer);
  } catch (const forge::Error&) {
  }
  return 0;
}
