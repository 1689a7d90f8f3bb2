// Weights files written by PyTorch's torch.save (a state_dict, as `forge export` writes one too),
// read without trusting them: the zip format of PyTorch 1.6 and later, and the legacy format
// before it (`_use_new_zipfile_serialization=False`). The pickle inside is read by
// core/restricted_pickle.hpp, which runs no code; what it may hold is a dict (an OrderedDict,
// nested dicts) of plain tensors by name and nothing else; every tensor's dtype, sizes,
// strides and offset are checked against the bytes of its storage's record before any of it is
// read. Torch-free: train/initial_weights.cpp makes the tensors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace forge {

// One tensor of the file: a window onto a storage, which the file holds at `storage_at`.
struct StoredTensor {
  std::string name;      // its key; nested dicts' keys joined with "."
  std::string dtype;     // float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool
  int element_size = 0;  // bytes
  std::vector<int64_t> sizes, strides;
  int64_t storage_offset = 0;  // elements
  uint64_t storage_at = 0;     // the storage's first byte in the file
  uint64_t storage_elements = 0;
};

class WeightsFile {
 public:
  // Opens and checks the file. Throws forge::Error (ExitCode::run) with one line naming the file
  // and what is wrong: not a torch.save file, a call or opcode a file of tensors does not need,
  // a tensor that reaches outside its storage or a storage outside the file, an entry that is
  // not a tensor, names nested deeper than a state_dict's.
  explicit WeightsFile(const std::string& path);
  ~WeightsFile();
  WeightsFile(const WeightsFile&) = delete;
  WeightsFile& operator=(const WeightsFile&) = delete;

  const std::vector<StoredTensor>& tensors() const { return tensors_; }

  // Reads the storage of `tensor` (storage_elements × element_size bytes) into `into`.
  void read_storage(const StoredTensor& tensor, void* into) const;

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<StoredTensor> tensors_;
};

}  // namespace forge
