// One image of a batch of images, tiled: what Model::epoch_images returns for a GAN's samples.
//
// Example: return {{"samples", forge::image_grid((generator->forward(noise) + 1) / 2, 8)}};
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>

namespace forge {

// `images`: [N, C, H, W]. Returns [C, rows * (H + padding) + padding, columns * (W + padding) +
// padding], the images left to right, top to bottom, on a background of `fill`.
inline torch::Tensor image_grid(const torch::Tensor& images, int64_t columns = 8, int64_t padding = 2,
                                double fill = 1.0) {
  if (images.dim() != 4 || images.size(0) < 1) throw std::invalid_argument("image_grid takes images [N, C, H, W]");
  if (columns < 1 || padding < 0) throw std::invalid_argument("image_grid needs columns >= 1 and padding >= 0");
  const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  columns = std::min(columns, n);
  const int64_t rows = (n + columns - 1) / columns;
  torch::Tensor grid =
      torch::full({c, rows * (h + padding) + padding, columns * (w + padding) + padding}, fill, images.options());
  for (int64_t i = 0; i < n; ++i) {
    const int64_t top = padding + (i / columns) * (h + padding), left = padding + (i % columns) * (w + padding);
    grid.slice(1, top, top + h).slice(2, left, left + w).copy_(images[i]);
  }
  return grid;
}

}  // namespace forge
