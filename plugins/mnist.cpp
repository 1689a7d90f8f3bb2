// Data plugin: MNIST-format idx files (gzipped or plain), by default Debian's Fashion-MNIST.
// forge:link z
#include <forge/data.hpp>

#include <zlib.h>

#include <fstream>
#include <stdexcept>

namespace {

std::vector<forge::FlagSpec> flags() {
  return {
      forge::text_flag("data_dir", "/usr/share/datasets/fashion-mnist",
                       "folder of MNIST-format idx files (train-*, t10k-*; .gz or plain)"),
      forge::integer_flag("train_limit", 0, "use only the first N training images (0: all)"),
      forge::bool_flag("standardize", true, "scale pixels to zero mean and unit variance (statistics of the training split)"),
  };
}

// The idx file for `stem`, gzipped or not.
std::string find_idx(const std::string& dir, const std::string& stem) {
  for (const char* suffix : {".gz", ""}) {
    std::string path = dir + "/" + stem + suffix;
    if (std::ifstream(path).good()) return path;
  }
  throw std::runtime_error("data folder " + dir + " has no " + stem + "[.gz]; install Debian's " +
                           "dataset-fashion-mnist or pass --data_dir");
}

uint32_t big_endian(const unsigned char* bytes) {
  return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 | bytes[3];
}

// Reads a whole idx file (gzread also reads plain files) and checks its magic and size.
torch::Tensor read_idx(const std::string& path, int dims) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw std::runtime_error("cannot open " + path);
  std::vector<unsigned char> bytes;
  unsigned char chunk[1 << 16];
  int n;
  while ((n = gzread(file, chunk, sizeof chunk)) > 0) bytes.insert(bytes.end(), chunk, chunk + n);
  gzclose(file);
  if (n < 0 || bytes.size() < 4u + 4u * dims || big_endian(bytes.data()) != uint32_t(0x800 + dims))
    throw std::runtime_error(path + " is not an idx file with " + std::to_string(dims) + " dimensions");
  std::vector<int64_t> shape;
  int64_t count = 1;
  for (int d = 0; d < dims; ++d) {
    shape.push_back(big_endian(bytes.data() + 4 + 4 * d));
    count *= shape.back();
  }
  size_t header = 4 + 4 * dims;
  if (bytes.size() != header + size_t(count)) throw std::runtime_error(path + " is truncated");
  return torch::from_blob(bytes.data() + header, shape, torch::kUInt8).clone();
}

forge::Dataset read_split(const std::string& dir, const std::string& prefix, int64_t limit) {
  torch::Tensor images = read_idx(find_idx(dir, prefix + "-images-idx3-ubyte"), 3);
  torch::Tensor labels = read_idx(find_idx(dir, prefix + "-labels-idx1-ubyte"), 1);
  if (images.size(0) != labels.size(0))
    throw std::runtime_error(dir + ": " + prefix + " images and labels differ in count");
  if (limit > 0 && limit < images.size(0)) {
    images = images.slice(0, 0, limit);
    labels = labels.slice(0, 0, limit);
  }
  return {images.unsqueeze(1).to(torch::kFloat32).div_(255.0), labels.to(torch::kInt64)};
}

forge::DataMap load(const forge::Flags& flags) {
  std::string dir = flags.text("data_dir");
  forge::DataMap data;
  data.datasets["train"] = read_split(dir, "train", flags.integer("train_limit"));
  data.datasets["test"] = read_split(dir, "t10k", 0);
  if (flags.boolean("standardize")) {
    // Statistics of the training split only, applied to both: the test set stays unseen.
    torch::Tensor mean = data.datasets["train"].inputs.mean(), std = data.datasets["train"].inputs.std();
    for (auto& [name, split] : data.datasets) split.inputs = (split.inputs - mean) / std;
  }
  data.values["num_classes"] = int64_t{10};
  data.values["input_shape"] = std::vector<int64_t>{1, 28, 28};
  return data;
}

}  // namespace

FORGE_DATA_PLUGIN(flags, load)
