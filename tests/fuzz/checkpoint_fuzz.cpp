// A checkpoint of forge's format whose checksums are right but whose index and data are anything
// (a hostile writer computes checksums too): restoring it into a model and optimizer gives a
// position, or a forge error naming the file, never a crash or another exception. The target
// puts the right checksums into the input's header before it writes the file; the frame's own
// checks are checkpoint_frame_fuzz's.
#include "core/crc32c.hpp"
#include "fuzz_support.hpp"
#include "train/checkpoint.hpp"

#include <forge/error.hpp>

#include <cstring>
#include <string>

namespace {

uint64_t le64(const std::string& bytes, size_t at) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= uint64_t(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return value;
}

void put_le32(std::string& bytes, size_t at, uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = char((value >> (8 * i)) & 0xff);
}

// Rewrites the header's three checksums to match the file, where its lengths fit the file.
void make_checksums_right(std::string& file) {
  if (file.size() < 64 || file.compare(0, 11, "FORGECKPT2\n") != 0) return;
  const uint64_t index = le64(file, 16), data = le64(file, 24);
  if (index > file.size() || data > file.size()) return;
  const uint64_t data_start = (64 + index + 63) / 64 * 64;
  if (data_start > file.size() || file.size() - data_start != data) return;
  put_le32(file, 32, forge::crc32c(file.data() + 64, index));
  put_le32(file, 36, forge::crc32c(file.data() + data_start, data));
  put_le32(file, 40, forge::crc32c(file.data(), 40));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The model of the seed corpus (forge's mlp, --n_hidden 2, on synthetic data), afresh for each
  // input: a load may have replaced its tensors.
  torch::nn::Sequential model(torch::nn::Flatten(), torch::nn::Linear(64, 2), torch::nn::ReLU(),
                              torch::nn::Linear(2, 4));
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  std::string file(reinterpret_cast<const char*>(data), size);
  make_checksums_right(file);
  const std::string path = forge::fuzz::write_input("checkpoints/step-00000001.ckpt",
                                                    reinterpret_cast<const uint8_t*>(file.data()), file.size());
  try {
    (void)forge::read_checkpoint_position(path);
  } catch (const forge::Error&) {
  }
  try {
    (void)forge::load_checkpoint(path, *model, &optimizer);
    model->forward(torch::zeros({1, 64}));  // what it restored is a model that runs
  } catch (const forge::Error&) {
  }
  return 0;
}
