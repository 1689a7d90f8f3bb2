// Data plugin: MNIST-format idx files (gzipped or plain), by default Debian's Fashion-MNIST.
// forge:link z
#include <forge/data.hpp>

#include <zlib.h>

#include <sys/mman.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace {

std::vector<forge::FlagSpec> flags() {
  return {
      forge::text_flag("data_dir", "/usr/share/datasets/fashion-mnist",
                       "folder of MNIST-format idx files (train-*, t10k-*; .gz or plain)"),
      forge::integer_flag("train_limit", 0, "use only the first N training images (0: all)"),
      forge::bool_flag("standardize", true,
                       "scale pixels to zero mean and unit variance (statistics of the training split)"),
      forge::integer_flag("max_file_mb", 4096, "refuse an idx file larger than this many MiB once decompressed"),
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

// The element count the header's dimensions give, checked: at most `max_bytes`, and for a
// plain file exactly what follows the header (nothing is allocated for a header that lies).
int64_t checked_count(const std::vector<int64_t>& shape, const std::string& path, gzFile file, int header_size,
                      int64_t max_bytes) {
  int64_t count = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(count, d, &count) || count > max_bytes)
      throw std::runtime_error(path + " claims more than --max_file_mb " + std::to_string(max_bytes >> 20) +
                               " MiB of data; raise it if the file is really that big");
  struct stat info {};
  if (gzdirect(file) && ::stat(path.c_str(), &info) == 0 && info.st_size - header_size != count)
    throw std::runtime_error(path + " is truncated or has trailing data (its header claims " + std::to_string(count) +
                             " bytes of data)");
  return count;
}

// Reads a whole idx file (gzread also reads plain files) and checks its magic and size. The
// header gives the size, so the data goes straight into its tensor: no growing buffer and no
// copy, which matter on 47 MB of training images.
torch::Tensor read_idx(const std::string& path, int dims, int64_t max_bytes) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw std::runtime_error("cannot open " + path);
  unsigned char header[4 + 4 * 3];
  const int header_size = 4 + 4 * dims;
  bool header_ok =
      gzread(file, header, unsigned(header_size)) == header_size && big_endian(header) == uint32_t(0x800 + dims);
  std::vector<int64_t> shape;
  for (int d = 0; header_ok && d < dims; ++d) shape.push_back(big_endian(header + 4 + 4 * d));
  if (!header_ok) {
    gzclose(file);
    throw std::runtime_error(path + " is not an idx file with " + std::to_string(dims) + " dimensions");
  }
  int64_t count = 0;
  try {
    count = checked_count(shape, path, file, header_size, max_bytes);
  } catch (...) {
    gzclose(file);
    throw;
  }
  torch::Tensor data = torch::empty(shape, torch::kUInt8);
  auto* at = data.data_ptr<uint8_t>();
  int64_t done = 0;
  for (int n; done < count && (n = gzread(file, at + done, unsigned(std::min<int64_t>(count - done, 1 << 30)))) > 0;)
    done += n;
  unsigned char extra;
  bool longer = gzread(file, &extra, 1) > 0;
  gzclose(file);
  if (done != count || longer) throw std::runtime_error(path + " is truncated or has trailing data");
  return data;
}

// A float tensor of `shape` in memory the kernel may back with 2 MiB pages: filling 188 MB of
// training images otherwise costs tens of thousands of page faults, which dominate loading.
torch::Tensor empty_float_on_huge_pages(const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  constexpr size_t huge_page = size_t(2) << 20;
  size_t bytes = (size_t(count) * sizeof(float) + huge_page - 1) / huge_page * huge_page;
  void* memory = std::aligned_alloc(huge_page, bytes);
  if (!memory) throw std::bad_alloc();
  ::madvise(memory, bytes, MADV_HUGEPAGE);  // advice only: without it, ordinary pages
  return torch::from_blob(
      memory, shape, [](void* p) { std::free(p); }, torch::kFloat32);
}

forge::Dataset read_split(const std::string& dir, const std::string& prefix, int64_t limit, int64_t max_bytes) {
  torch::Tensor images = read_idx(find_idx(dir, prefix + "-images-idx3-ubyte"), 3, max_bytes);
  torch::Tensor labels = read_idx(find_idx(dir, prefix + "-labels-idx1-ubyte"), 1, max_bytes);
  if (images.size(0) != labels.size(0))
    throw std::runtime_error(dir + ": " + prefix + " images and labels differ in count");
  if (limit > 0 && limit < images.size(0)) {
    images = images.slice(0, 0, limit);
    labels = labels.slice(0, 0, limit);
  }
  std::vector<int64_t> shape{images.size(0), 1, images.size(1), images.size(2)};
  torch::Tensor pixels = empty_float_on_huge_pages(shape).copy_(images.view(shape)).div_(255.0);
  return {pixels, labels.to(torch::kInt64)};
}

forge::DataMap load(const forge::Flags& flags) {
  std::string dir = flags.text("data_dir");
  if (flags.integer("max_file_mb") < 1) throw std::invalid_argument("--max_file_mb must be at least 1");
  const int64_t max_bytes = flags.integer("max_file_mb") << 20;
  forge::DataMap data;
  data.datasets["train"] = read_split(dir, "train", flags.integer("train_limit"), max_bytes);
  data.datasets["test"] = read_split(dir, "t10k", 0, max_bytes);
  // Pixels are input * pixel_std + pixel_mean, in [0, 1]: what a model that draws images needs.
  double pixel_mean = 0, pixel_std = 1;
  if (flags.boolean("standardize")) {
    // Statistics of the training split only, applied to both: the test set stays unseen.
    torch::Tensor mean = data.datasets["train"].inputs.mean(), std = data.datasets["train"].inputs.std();
    for (auto& [name, split] : data.datasets) split.inputs.sub_(mean).div_(std);  // in place: no 188 MB copies
    pixel_mean = mean.item<double>();
    pixel_std = std.item<double>();
  }
  data.values["pixel_mean"] = pixel_mean;
  data.values["pixel_std"] = pixel_std;
  data.values["num_classes"] = int64_t{10};
  data.values["input_shape"] = std::vector<int64_t>{1, 28, 28};
  return data;
}

}  // namespace

FORGE_DATA_PLUGIN(flags, load)
