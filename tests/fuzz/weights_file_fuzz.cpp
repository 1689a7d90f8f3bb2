// The weights file reader (core/weights_file.hpp) on any file: the tensors it lists, each of
// whose storages is then read whole into a buffer of exactly its size, or a forge error naming
// the file, never a crash, a read past a record or an allocation the file does not justify.
#include "core/weights_file.hpp"
#include "fuzz_support.hpp"

#include <forge/error.hpp>

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = forge::fuzz::write_input("weights.pt", data, size);
  try {
    forge::WeightsFile file(path);
    for (const forge::StoredTensor& tensor : file.tensors()) {
      const uint64_t bytes = tensor.storage_elements * uint64_t(tensor.element_size);
      if (bytes > size) std::abort();  // a storage is never larger than the file that holds it
      std::vector<char> storage(bytes);
      file.read_storage(tensor, storage.data());
    }
  } catch (const forge::Error&) {
  }
  return 0;
}
