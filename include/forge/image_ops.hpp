// What the images plugin does to a decoded image (forge/image_decode.hpp) before it becomes a
// tensor — public, for data plugins of your own: resizing, cropping, flipping — on the 8-bit pixels, a handful of loops
// per image rather than a chain of tensor ops (which would cost more than the work at 28 x 28). Random choices come
// from the sample's own context, so they are the same in any worker.
#pragma once

#include <forge/image_decode.hpp>

#include <forge/collate.hpp>
#include <forge/sample.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace forge::images {

namespace detail {
// Resampled rows as 8-bit pixels of `channels` (1 or 3) channels, rounded; a source's padding byte is dropped.
inline Image resampled_image(const PixelRows& source, const Window& window, const PixelBounds& readable, int out_width,
                             int out_height, bool mirror) {
  const int channels = source.pixel_bytes == 1 ? 1 : 3;
  Image out{out_width, out_height, channels, std::vector<uint8_t>(size_t(out_width) * out_height * channels)};
  resample(source, window, readable, out_width, out_height, mirror, [&](int y, const float* values) {
    uint8_t* into = &out.pixels[size_t(y) * size_t(out_width) * size_t(channels)];
    for (int x = 0; x < out_width; ++x)
      for (int c = 0; c < channels; ++c)
        into[x * channels + c] = uint8_t(std::clamp(values[x * source.pixel_bytes + c] + 0.5f, 0.0f, 255.0f));
  });
  return out;
}
inline PixelRows rows_of(const Image& image) {
  return {image.pixels.data(), image.width, image.height, image.channels};
}
}  // namespace detail

// The window (left, top, out_width x out_height) of `image` scaled to width x height
// (forge/image_resample.hpp's filter): only the window's pixels are computed, so a centre crop of
// a long strip never holds the whole scaled strip.
inline Image resized_window(const Image& image, int width, int height, int left, int top, int out_width,
                            int out_height) {
  const double sx = double(image.width) / width, sy = double(image.height) / height;
  const Window window{left * sx, top * sy, out_width * sx, out_height * sy};
  return detail::resampled_image(detail::rows_of(image), window, {0, 0, image.width, image.height}, out_width,
                                 out_height, false);
}

// `window` of a decoded image (forge/image_decode.hpp's decode_window) resized to
// out_width x out_height, flipped left to right when `mirror`, as 8-bit pixels.
inline Image resampled(const DecodedWindow& decoded, int out_width, int out_height, bool mirror = false) {
  return detail::resampled_image(decoded.rows(), decoded.window, decoded.readable, out_width, out_height, mirror);
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

// The central square of a width x height image, as large as fits: what resizing the shorter side
// and cropping the centre keeps.
inline Window centre_window(int width, int height) {
  const double side = std::min(width, height);
  return {(width - side) / 2, (height - side) / 2, side, side};
}

// A random window of a width x height image of between `min_scale` and `max_scale` of its area
// and an aspect ratio in [3/4, 4/3] (torchvision's RandomResizedCrop); the central square when
// ten draws find no window that fits. It needs only the image's size, so a decoder can be told it
// before decoding (decode_window).
inline Window random_resized_window(int width, int height, double min_scale, double max_scale, SampleContext& context) {
  const double area = double(width) * height;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * (min_scale + (max_scale - min_scale) * context.uniform());
    const double ratio = std::exp(std::log(3.0 / 4) + (std::log(4.0 / 3) - std::log(3.0 / 4)) * context.uniform());
    const int w = int(std::lround(std::sqrt(target * ratio))), h = int(std::lround(std::sqrt(target / ratio)));
    if (w < 1 || h < 1 || w > width || h > height) continue;
    const int left = int(context.integer(0, width - w)), top = int(context.integer(0, height - h));
    return {double(left), double(top), double(w), double(h)};
  }
  return centre_window(width, height);
}

// random_resized_window of `image`, scaled to size x size.
inline Image random_resized_crop(const Image& image, int size, double min_scale, double max_scale,
                                 SampleContext& context) {
  const Window window = random_resized_window(image.width, image.height, min_scale, max_scale, context);
  return detail::resampled_image(detail::rows_of(image), window, covered_pixels(window, image.width, image.height),
                                 size, size, false);
}

// `window` of a decoded image resized to out_width x out_height and flipped when `mirror`, as
// [channels, height, width] floats (pixel / 255 - mean[c]) / std[c], written straight from the
// resampler's rows: the images plugin's path from file to tensor.
inline torch::Tensor window_tensor(const DecodedWindow& decoded, int out_width, int out_height, bool mirror,
                                   const std::vector<double>& mean, const std::vector<double>& std) {
  const int channels = decoded.pixel_bytes == 1 ? 1 : 3, pixel_bytes = decoded.pixel_bytes;
  torch::Tensor out = example_memory({channels, out_height, out_width}, torch::kFloat32);
  float* data = out.data_ptr<float>();
  const size_t plane = size_t(out_width) * size_t(out_height);
  float scale[3], shift[3];
  for (int c = 0; c < channels; ++c) {
    scale[c] = float(1.0 / (255.0 * std[size_t(c)]));
    shift[c] = float(mean[size_t(c)] / std[size_t(c)]);
  }
  resample(
      decoded.rows(), decoded.window, decoded.readable, out_width, out_height, mirror, [&](int y, const float* values) {
        if (pixel_bytes == 4) {
          float* const planes[3] = {data + size_t(y) * size_t(out_width), data + plane + size_t(y) * size_t(out_width),
                                    data + 2 * plane + size_t(y) * size_t(out_width)};
          // Streamed: the batch is laid out for training, not read again by this thread.
          return rgb_planes(values, out_width, planes, scale, shift, /*stream=*/true);
        }
        for (int c = 0; c < channels; ++c) {
          float* into = data + size_t(c) * plane + size_t(y) * size_t(out_width);
          for (int x = 0; x < out_width; ++x) into[x] = values[x * pixel_bytes + c] * scale[c] - shift[c];
        }
      });
  streamed_stores_done();
  return out;
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
