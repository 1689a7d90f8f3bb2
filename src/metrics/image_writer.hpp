// The images a model draws at each epoch's end (Model::epoch_images: a GAN's samples), written
// into the run folder as PNG files (runs/run_files.hpp's image_path), where `forge report`
// shows the newest of each.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace forge {

class ImageWriter {
 public:
  explicit ImageWriter(std::string run_dir) : run_dir_(std::move(run_dir)) {}

  // `image`: [height, width] or [channels, height, width] with 1, 3 or 4 channels, values in
  // [0, 1] (clamped; NaN is black). Written atomically. Throws Error(ExitCode::failure) naming
  // the image for a name other than letters, digits, '_' and '-', another shape, or a file it
  // cannot write.
  void write(int64_t epoch, const std::string& name, const torch::Tensor& image) const;

 private:
  std::string run_dir_;
};

}  // namespace forge
