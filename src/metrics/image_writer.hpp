// The images a model draws at each epoch's end (Model::epoch_images: a GAN's samples), written
// as PNG files where the caller says (the run folder's images/, where `forge report` shows the
// newest of each).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>

namespace forge {

class ImageWriter {
 public:
  // The file of image `name` of `epoch`.
  using PathOf = std::function<std::string(const std::string& name, int64_t epoch)>;
  explicit ImageWriter(PathOf path_of) : path_of_(std::move(path_of)) {}

  // `image`: [height, width] or [channels, height, width] with 1, 3 or 4 channels, values in
  // [0, 1] (clamped; NaN is black). Written atomically. Throws Error(ExitCode::failure) naming
  // the image for a name other than letters, digits, '_' and '-', another shape, or a file it
  // cannot write.
  void write(int64_t epoch, const std::string& name, const torch::Tensor& image) const;

 private:
  PathOf path_of_;
};

}  // namespace forge
