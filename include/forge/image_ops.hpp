// What the images plugin does to a decoded image (forge/image_decode.hpp) before it becomes a
// tensor — public, for data plugins of your own: resizing, cropping, flipping — on the 8-bit pixels, a handful of loops
// per image rather than a chain of tensor ops (which would cost more than the work at 28 x 28). Random choices come
// from the sample's own context, so they are the same in any worker.
#pragma once

#include <forge/image_decode.hpp>

#include <forge/sample.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace forge::images {

// The window (left, top, out_width x out_height) of `image` scaled to width x height, bilinear
// (pixel centres aligned, as torch's align_corners=false): only the window's pixels are
// computed, so a centre crop of a long strip never holds the whole scaled strip.
inline Image resized_window(const Image& image, int width, int height, int left, int top, int out_width,
                            int out_height) {
  Image out{out_width, out_height, image.channels,
            std::vector<uint8_t>(size_t(out_width) * out_height * image.channels)};
  const double sx = double(image.width) / width, sy = double(image.height) / height;
  for (int oy = 0; oy < out_height; ++oy) {
    const int y = top + oy;
    const double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, double(image.height - 1));
    const int y0 = int(fy), y1 = std::min(y0 + 1, image.height - 1);
    const double wy = fy - y0;
    for (int ox = 0; ox < out_width; ++ox) {
      const int x = left + ox;
      const double fx = std::clamp((x + 0.5) * sx - 0.5, 0.0, double(image.width - 1));
      const int x0 = int(fx), x1 = std::min(x0 + 1, image.width - 1);
      const double wx = fx - x0;
      for (int c = 0; c < image.channels; ++c) {
        auto at = [&](int yy, int xx) {
          return double(image.pixels[(size_t(yy) * image.width + xx) * image.channels + c]);
        };
        const double top_row = at(y0, x0) * (1 - wx) + at(y0, x1) * wx,
                     bottom_row = at(y1, x0) * (1 - wx) + at(y1, x1) * wx;
        out.pixels[(size_t(oy) * out_width + ox) * image.channels + c] =
            uint8_t(std::lround(top_row * (1 - wy) + bottom_row * wy));
      }
    }
  }
  return out;
}

// `image` scaled to width x height.
inline Image resize(const Image& image, int width, int height) {
  if (image.width == width && image.height == height) return image;
  return resized_window(image, width, height, 0, 0, width, height);
}

// The width x height window of `image` whose top-left corner is (left, top); parts outside the
// image (negative offsets: padding) are black.
inline Image crop(const Image& image, int left, int top, int width, int height) {
  Image out{width, height, image.channels, std::vector<uint8_t>(size_t(width) * height * image.channels, 0)};
  for (int y = 0; y < height; ++y) {
    const int sy = top + y;
    if (sy < 0 || sy >= image.height) continue;
    for (int x = 0; x < width; ++x) {
      const int sx = left + x;
      if (sx < 0 || sx >= image.width) continue;
      std::copy_n(&image.pixels[(size_t(sy) * image.width + sx) * image.channels], image.channels,
                  &out.pixels[(size_t(y) * width + x) * image.channels]);
    }
  }
  return out;
}

inline Image flip_horizontally(const Image& image) {
  Image out = image;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x)
      std::copy_n(&image.pixels[(size_t(y) * image.width + (image.width - 1 - x)) * image.channels], image.channels,
                  &out.pixels[(size_t(y) * image.width + x) * image.channels]);
  return out;
}

// The shorter side scaled to `size`, then the central size x size square (evaluation, and
// training without --random_resized_crop).
inline Image resize_and_center_crop(const Image& image, int size) {
  if (image.width == size && image.height == size) return image;
  const double scale = double(size) / std::min(image.width, image.height);
  const int width = std::max(size, int(std::lround(image.width * scale)));
  const int height = std::max(size, int(std::lround(image.height * scale)));
  return resized_window(image, width, height, (width - size) / 2, (height - size) / 2, size, size);
}

// A random window of `padding`-padded image, size x size (torchvision's RandomCrop with padding).
inline Image random_crop(const Image& image, int size, int padding, SampleContext& context) {
  const int left = int(context.integer(0, image.width + 2 * padding - size)) - padding;
  const int top = int(context.integer(0, image.height + 2 * padding - size)) - padding;
  return crop(image, left, top, size, size);
}

// A random window of between `min_scale` and `max_scale` of the image's area and an aspect
// ratio in [3/4, 4/3], scaled to size x size (torchvision's RandomResizedCrop); the central
// square when ten draws find no window that fits.
inline Image random_resized_crop(const Image& image, int size, double min_scale, double max_scale,
                                 SampleContext& context) {
  const double area = double(image.width) * image.height;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * (min_scale + (max_scale - min_scale) * context.uniform());
    const double ratio = std::exp(std::log(3.0 / 4) + (std::log(4.0 / 3) - std::log(3.0 / 4)) * context.uniform());
    const int w = int(std::lround(std::sqrt(target * ratio))), h = int(std::lround(std::sqrt(target / ratio)));
    if (w < 1 || h < 1 || w > image.width || h > image.height) continue;
    const int left = int(context.integer(0, image.width - w)), top = int(context.integer(0, image.height - h));
    return resize(crop(image, left, top, w, h), size, size);
  }
  return resize_and_center_crop(image, size);
}

// [channels, height, width] floats: (pixel / 255 - mean[c]) / std[c].
inline torch::Tensor to_tensor(const Image& image, const std::vector<double>& mean, const std::vector<double>& std) {
  torch::Tensor out = torch::empty({image.channels, image.height, image.width}, torch::kFloat32);
  float* data = out.data_ptr<float>();
  const size_t plane = size_t(image.width) * image.height;
  for (int c = 0; c < image.channels; ++c) {
    const float scale = float(1.0 / (255.0 * std[size_t(c)])), shift = float(mean[size_t(c)] / std[size_t(c)]);
    for (size_t i = 0; i < plane; ++i)
      data[size_t(c) * plane + i] = float(image.pixels[i * image.channels + c]) * scale - shift;
  }
  return out;
}

}  // namespace forge::images
