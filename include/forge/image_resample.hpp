// Resampling a window of 8-bit pixels to another size — the images plugin's resize, public for
// data plugins of your own. The filter is the triangle (bilinear) one, widened by the scale when
// shrinking so that every source pixel counts (antialiased, as Pillow's and torchvision's
// resize): a 2x shrink averages, it does not skip every other pixel. It works in two passes,
// rows first (which shrinks the work of the second) then columns, with weights computed once per
// output row and column, and writes each output row through a callback, so a caller can store it
// as it likes — 8-bit pixels, or normalised floats in a tensor's channel planes — without a
// second copy.
//
// The inner loops are written with vectors (SSE2 intrinsics on x86-64, the compiler's vector types
// for the rest), so they are vectorised at any optimisation level: a plugin built at -O1 gets the
// same speed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace forge::images {

// A rectangle of an image in its pixel coordinates: pixel (x, y) covers [x, x + 1) x [y, y + 1),
// so a window may start and end between pixels (where a scaled-down decode put its edges).
struct Window {
  double left = 0, top = 0, width = 0, height = 0;
};

// 8-bit pixels row after row, `pixel_bytes` bytes each (1: grey; 3: RGB; 4: RGB and one byte the
// resampler carries along but nobody reads).
struct PixelRows {
  const uint8_t* data = nullptr;
  int width = 0, height = 0, pixel_bytes = 1;
};

// The source pixels [left, right) x [top, bottom) a resample may read: the window's own pixels
// for a crop that is then resized (torchvision's RandomResizedCrop), the whole image for a
// window of a resized image.
struct PixelBounds {
  int left = 0, top = 0, right = 0, bottom = 0;
};

// The pixels a window covers, whole or in part, within the image.
inline PixelBounds covered_pixels(const Window& window, int width, int height) {
  PixelBounds bounds;
  bounds.left = std::clamp(int(std::floor(window.left)), 0, width - 1);
  bounds.top = std::clamp(int(std::floor(window.top)), 0, height - 1);
  bounds.right = std::clamp(int(std::ceil(window.left + window.width)), bounds.left + 1, width);
  bounds.bottom = std::clamp(int(std::ceil(window.top + window.height)), bounds.top + 1, height);
  return bounds;
}

namespace detail {

using Floats4 = float __attribute__((vector_size(16)));

// Along one axis: for output pixel i, `taps` weights for the source pixels first[i], first[i] + 1, ...
struct AxisWeights {
  int taps = 0;
  std::vector<int> first;
  std::vector<float> weights;  // taps per output pixel, summing to 1
};

// The output pixels [0, out) spread over the source span [start, start + length), reading only
// source pixels in [low, high).
inline AxisWeights axis_weights(double start, double length, int out, int low, int high) {
  const double scale = length / out;
  const double support = std::max(1.0, scale);  // the triangle's half width, in source pixels
  AxisWeights axis;
  axis.taps = std::min(int(std::ceil(2 * support)) + 1, high - low);
  axis.first.resize(size_t(out));
  axis.weights.resize(size_t(out) * size_t(axis.taps));
  for (int i = 0; i < out; ++i) {
    const double centre = start + (i + 0.5) * scale;
    // The first pixel whose centre (j + 0.5) lies within the support, moved so all taps are readable.
    const int first = std::clamp(int(std::ceil(centre - support - 0.5)), low, high - axis.taps);
    float* w = &axis.weights[size_t(i) * size_t(axis.taps)];
    double sum = 0;
    for (int k = 0; k < axis.taps; ++k) {
      const double distance = std::abs(first + k + 0.5 - centre) / support;
      w[k] = float(std::max(0.0, 1.0 - distance));
      sum += w[k];
    }
    if (sum > 0) {
      for (int k = 0; k < axis.taps; ++k) w[k] = float(w[k] / sum);
    } else {  // a centre beyond the readable pixels (a window outside them): the nearest one
      const int nearest = std::clamp(int(std::floor(centre)), first, first + axis.taps - 1);
      for (int k = 0; k < axis.taps; ++k) w[k] = first + k == nearest ? 1.0f : 0.0f;
    }
    axis.first[size_t(i)] = first;
  }
  return axis;
}

// The rows pass weighs 8-bit pixels with whole numbers: each weight in units of 1/kWeightOne (the
// float weights rounded, their sum kept at exactly kWeightOne), summed as 32-bit integers (two
// rows per multiply-add instruction), then scaled to floats. Integer sums do not depend on their
// order, and a sum below 2^24 converts to a float exactly, so every path below — AVX2, SSE2, the
// plain loop — gives the same bits, on any processor.
constexpr int kWeightOne = 1 << 14;

// The weights of one axis as whole numbers, in pairs (two 16-bit weights in one 32-bit word, the
// first in the low half; an odd last tap pairs with a zero): `(taps + 1) / 2` words per output
// pixel.
inline std::vector<int32_t> weight_pairs(const AxisWeights& axis) {
  const int taps = axis.taps, pairs = (taps + 1) / 2;
  const size_t out = axis.first.size();
  std::vector<int32_t> paired(out * size_t(pairs));
  std::vector<int32_t> whole(size_t(taps) + 1);
  for (size_t i = 0; i < out; ++i) {
    const float* w = &axis.weights[i * size_t(taps)];
    int sum = 0, largest = 0;
    for (int k = 0; k < taps; ++k) {
      whole[size_t(k)] = int32_t(std::lround(double(w[k]) * kWeightOne));
      sum += whole[size_t(k)];
      if (whole[size_t(k)] > whole[size_t(largest)]) largest = k;
    }
    whole[size_t(largest)] += kWeightOne - sum;  // rounding must not brighten or darken the image
    whole[size_t(taps)] = 0;
    for (int p = 0; p < pairs; ++p)
      paired[i * size_t(pairs) + size_t(p)] =
          int32_t(uint32_t(uint16_t(whole[size_t(2 * p)])) | (uint32_t(uint16_t(whole[size_t(2 * p + 1)])) << 16));
  }
  return paired;
}

// out[x] = sum over k of weight[k] * row_k[x] / kWeightOne, for `count` bytes of `taps` rows
// `stride` apart, the weights as weight_pairs gives them. The vector paths read bytes x to x + 15
// (or + 7) of two rows at once; an odd last row is read twice, the second time with weight 0.
inline void weighted_rows_tail(const uint8_t* row, size_t stride, const int32_t* pairs, int taps, size_t x,
                               size_t count, float* out) {
  for (; x < count; ++x) {
    int32_t sum = 0;
    for (int k = 0; k < taps; ++k) {
      const int32_t pair = pairs[k / 2];
      const int32_t weight = int16_t(k % 2 ? uint32_t(pair) >> 16 : uint32_t(pair) & 0xFFFF);
      sum += int32_t(row[size_t(k) * stride + x]) * weight;
    }
    out[x] = float(sum) * (1.0f / kWeightOne);
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx2"))) inline void weighted_rows_avx2(const uint8_t* row, size_t stride,
                                                               const int32_t* pairs, int taps, size_t count,
                                                               float* out) {
  const __m256 unit = _mm256_set1_ps(1.0f / kWeightOne);
  size_t x = 0;
  // 32 bytes an iteration, in four independent sums: the loads of one wait while the others add.
  for (; x + 32 <= count; x += 32) {
    __m256i low0 = _mm256_setzero_si256(), high0 = _mm256_setzero_si256(), low1 = _mm256_setzero_si256(),
            high1 = _mm256_setzero_si256();
    for (int k = 0; k < taps; k += 2) {
      const uint8_t* first = row + size_t(k) * stride + x;
      const uint8_t* second = k + 1 < taps ? first + stride : first;
      const __m256i weight = _mm256_set1_epi32(pairs[k / 2]);
      const __m256i a0 = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(first)));
      const __m256i b0 = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(second)));
      const __m256i a1 = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(first + 16)));
      const __m256i b1 = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(second + 16)));
      low0 = _mm256_add_epi32(low0, _mm256_madd_epi16(_mm256_unpacklo_epi16(a0, b0), weight));
      high0 = _mm256_add_epi32(high0, _mm256_madd_epi16(_mm256_unpackhi_epi16(a0, b0), weight));
      low1 = _mm256_add_epi32(low1, _mm256_madd_epi16(_mm256_unpacklo_epi16(a1, b1), weight));
      high1 = _mm256_add_epi32(high1, _mm256_madd_epi16(_mm256_unpackhi_epi16(a1, b1), weight));
    }
    // The unpacks work within 128-bit halves: low holds bytes 0..3 and 8..11 of its 16, high 4..7 and 12..15.
    const __m256i sums[4] = {_mm256_permute2x128_si256(low0, high0, 0x20), _mm256_permute2x128_si256(low0, high0, 0x31),
                             _mm256_permute2x128_si256(low1, high1, 0x20), _mm256_permute2x128_si256(low1, high1, 0x31)};
    for (int part = 0; part < 4; ++part)
      _mm256_storeu_ps(out + x + 8 * size_t(part), _mm256_mul_ps(_mm256_cvtepi32_ps(sums[part]), unit));
  }
  weighted_rows_tail(row, stride, pairs, taps, x, count, out);
}

inline bool has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

inline void weighted_rows_sse2(const uint8_t* row, size_t stride, const int32_t* pairs, int taps, size_t count,
                               float* out) {
  size_t x = 0;
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  const __m128 unit = _mm_set1_ps(1.0f / kWeightOne);
  for (; x + 8 <= count; x += 8) {
    __m128i low = _mm_setzero_si128(), high = _mm_setzero_si128();
    for (int k = 0; k < taps; k += 2) {
      const uint8_t* first = row + size_t(k) * stride + x;
      const uint8_t* second = k + 1 < taps ? first + stride : first;
      const __m128i a = _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(first)), zero);
      const __m128i b = _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(second)), zero);
      const __m128i weight = _mm_set1_epi32(pairs[k / 2]);
      low = _mm_add_epi32(low, _mm_madd_epi16(_mm_unpacklo_epi16(a, b), weight));
      high = _mm_add_epi32(high, _mm_madd_epi16(_mm_unpackhi_epi16(a, b), weight));
    }
    _mm_storeu_ps(out + x, _mm_mul_ps(_mm_cvtepi32_ps(low), unit));
    _mm_storeu_ps(out + x + 4, _mm_mul_ps(_mm_cvtepi32_ps(high), unit));
  }
#endif
  weighted_rows_tail(row, stride, pairs, taps, x, count, out);
}

inline void weighted_rows(const uint8_t* row, size_t stride, const int32_t* pairs, int taps, size_t count,
                          float* out) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (has_avx2()) return weighted_rows_avx2(row, stride, pairs, taps, count, out);
#endif
  weighted_rows_sse2(row, stride, pairs, taps, count, out);
}

// One output row from a row of floats (`pixel_bytes` per pixel): out pixel i = sum over k of
// weight[i][k] * in pixel first[i] + k, written from the right when `mirror`. Taps is a template
// argument where it is small, so that the loop over them unrolls.
template <int PixelBytes, int Taps>
void weighted_columns(const float* in, const AxisWeights& axis, int out_width, bool mirror, float* out) {
  const int taps = Taps > 0 ? Taps : axis.taps;
  for (int i = 0; i < out_width; ++i) {
    const float* w = &axis.weights[size_t(i) * size_t(taps)];
    const float* pixel = in + size_t(axis.first[size_t(i)]) * PixelBytes;
    float* into = out + size_t(mirror ? out_width - 1 - i : i) * PixelBytes;
    if constexpr (PixelBytes == 4) {
      Floats4 sum = {0, 0, 0, 0};
      for (int k = 0; k < taps; ++k) {
        Floats4 value;
        std::memcpy(&value, pixel + 4 * k, sizeof value);
        sum += value * w[k];
      }
      std::memcpy(into, &sum, sizeof sum);
    } else {
      float sum[PixelBytes] = {};
      for (int k = 0; k < taps; ++k)
        for (int c = 0; c < PixelBytes; ++c) sum[c] += pixel[k * PixelBytes + c] * w[k];
      for (int c = 0; c < PixelBytes; ++c) into[c] = sum[c];
    }
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// weighted_columns<4> two output pixels at a time: `paired` holds, for output pixels 2j and
// 2j + 1, each tap's two weights, each four times (pixel 2j's in the low half). The same
// multiplies and adds in the same order: the same bits.
__attribute__((target("avx2"))) inline void weighted_columns_rgbx_avx2(const float* in, const AxisWeights& axis,
                                                                       const float* paired, int out_width,
                                                                       bool mirror, float* out) {
  const int taps = axis.taps;
  int i = 0;
  for (; i + 2 <= out_width; i += 2) {
    const float* left = in + size_t(axis.first[size_t(i)]) * 4;
    const float* right = in + size_t(axis.first[size_t(i) + 1]) * 4;
    const float* w = paired + size_t(i / 2) * size_t(taps) * 8;
    __m256 sum = _mm256_setzero_ps();
    for (int k = 0; k < taps; ++k) {
      const __m256 value =
          _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(left + 4 * k)), _mm_loadu_ps(right + 4 * k), 1);
      sum = _mm256_add_ps(sum, _mm256_mul_ps(value, _mm256_loadu_ps(w + 8 * k)));
    }
    if (mirror) {  // pixel i lands at out_width - 1 - i, i + 1 just left of it
      _mm256_storeu_ps(out + size_t(out_width - 2 - i) * 4, _mm256_permute2f128_ps(sum, sum, 1));
    } else {
      _mm256_storeu_ps(out + size_t(i) * 4, sum);
    }
  }
  for (; i < out_width; ++i) {
    const float* pixel = in + size_t(axis.first[size_t(i)]) * 4;
    const float* w = &axis.weights[size_t(i) * size_t(taps)];
    __m128 sum = _mm_setzero_ps();
    for (int k = 0; k < taps; ++k) sum = _mm_add_ps(sum, _mm_mul_ps(_mm_loadu_ps(pixel + 4 * k), _mm_set1_ps(w[k])));
    _mm_storeu_ps(out + size_t(mirror ? out_width - 1 - i : i) * 4, sum);
  }
}

// The column weights laid out for weighted_columns_rgbx_avx2.
inline std::vector<float> paired_column_weights(const AxisWeights& axis) {
  const size_t taps = size_t(axis.taps), pairs = axis.first.size() / 2;
  std::vector<float> paired(pairs * taps * 8);
  for (size_t j = 0; j < pairs; ++j)
    for (size_t k = 0; k < taps; ++k)
      for (size_t lane = 0; lane < 8; ++lane)
        paired[(j * taps + k) * 8 + lane] = axis.weights[(2 * j + lane / 4) * taps + k];
  return paired;
}
#endif

template <int PixelBytes>
void weighted_columns(const float* in, const AxisWeights& axis, int out_width, bool mirror, float* out) {
  switch (axis.taps) {
    case 2:
      return weighted_columns<PixelBytes, 2>(in, axis, out_width, mirror, out);
    case 3:
      return weighted_columns<PixelBytes, 3>(in, axis, out_width, mirror, out);
    case 4:
      return weighted_columns<PixelBytes, 4>(in, axis, out_width, mirror, out);
    case 5:
      return weighted_columns<PixelBytes, 5>(in, axis, out_width, mirror, out);
    default:
      return weighted_columns<PixelBytes, 0>(in, axis, out_width, mirror, out);
  }
}

}  // namespace detail

// Channel planes from `count` pixels of 4 floats (RGB and padding, as resample writes them):
// planes[c][x] = values[4 x + c] * scale[c] - shift[c], c = 0, 1, 2 — the step from a resampled row
// to a normalised [3, height, width] tensor, four pixels at a time.
inline void rgb_planes(const float* values, int count, float* const planes[3], const float scale[3],
                       const float shift[3]) {
  int x = 0;
#if defined(__SSE2__)
  const __m128 scale_r = _mm_set1_ps(scale[0]), scale_g = _mm_set1_ps(scale[1]), scale_b = _mm_set1_ps(scale[2]);
  const __m128 shift_r = _mm_set1_ps(shift[0]), shift_g = _mm_set1_ps(shift[1]), shift_b = _mm_set1_ps(shift[2]);
  for (; x + 4 <= count; x += 4) {
    __m128 p0 = _mm_loadu_ps(values + 4 * x), p1 = _mm_loadu_ps(values + 4 * x + 4),
           p2 = _mm_loadu_ps(values + 4 * x + 8), p3 = _mm_loadu_ps(values + 4 * x + 12);
    _MM_TRANSPOSE4_PS(p0, p1, p2, p3);  // now p0 holds four reds, p1 four greens, p2 four blues
    _mm_storeu_ps(planes[0] + x, _mm_sub_ps(_mm_mul_ps(p0, scale_r), shift_r));
    _mm_storeu_ps(planes[1] + x, _mm_sub_ps(_mm_mul_ps(p1, scale_g), shift_g));
    _mm_storeu_ps(planes[2] + x, _mm_sub_ps(_mm_mul_ps(p2, scale_b), shift_b));
  }
#endif
  for (; x < count; ++x)
    for (int c = 0; c < 3; ++c) planes[c][x] = values[4 * size_t(x) + size_t(c)] * scale[c] - shift[c];
}

// Resamples `window` of `source` to out_width x out_height, reading only the pixels within
// `readable`, flipped left to right when `mirror`; calls row(y, values) for each output row y
// from the top, `values` holding out_width pixels of source.pixel_bytes floats each, on the
// 0..255 scale, unrounded.
template <class RowSink>
void resample(const PixelRows& source, const Window& window, const PixelBounds& readable, int out_width, int out_height,
              bool mirror, RowSink&& row) {
  if (out_width < 1 || out_height < 1 || !(window.width > 0) || !(window.height > 0) || readable.left < 0 ||
      readable.top < 0 || readable.right > source.width || readable.bottom > source.height ||
      readable.left >= readable.right || readable.top >= readable.bottom)
    throw std::invalid_argument("resample: an empty window, output or readable area");
  using Columns = void (*)(const float*, const detail::AxisWeights&, int, bool, float*);
  const Columns weighted_columns = source.pixel_bytes == 1   ? detail::weighted_columns<1>
                                   : source.pixel_bytes == 3 ? detail::weighted_columns<3>
                                   : source.pixel_bytes == 4 ? detail::weighted_columns<4>
                                                             : nullptr;
  if (!weighted_columns) throw std::invalid_argument("resample: pixels of 1, 3 or 4 bytes");
  detail::AxisWeights columns =
      detail::axis_weights(window.left, window.width, out_width, readable.left, readable.right);
  const detail::AxisWeights rows =
      detail::axis_weights(window.top, window.height, out_height, readable.top, readable.bottom);
  const std::vector<int32_t> row_pairs = detail::weight_pairs(rows);
  const size_t pairs_per_row = size_t(rows.taps + 1) / 2;
  // The first pass keeps only the columns the second reads (first[] grows with the output column),
  // which the second then counts from the first of them.
  const int column_low = columns.first.front(), column_high = columns.first.back() + columns.taps;
  for (int& first : columns.first) first -= column_low;
  const int pixel_bytes = source.pixel_bytes;
  const size_t stride = size_t(source.width) * size_t(pixel_bytes);
  std::vector<float> shrunk(size_t(column_high - column_low) * size_t(pixel_bytes));
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  const bool paired = pixel_bytes == 4 && detail::has_avx2();
  const std::vector<float> paired_weights = paired ? detail::paired_column_weights(columns) : std::vector<float>();
#endif
  std::vector<float> out(size_t(out_width) * size_t(pixel_bytes));
  for (int y = 0; y < out_height; ++y) {
    const uint8_t* top =
        source.data + size_t(rows.first[size_t(y)]) * stride + size_t(column_low) * size_t(pixel_bytes);
    detail::weighted_rows(top, stride, &row_pairs[size_t(y) * pairs_per_row], rows.taps, shrunk.size(),
                          shrunk.data());
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (paired) {
      detail::weighted_columns_rgbx_avx2(shrunk.data(), columns, paired_weights.data(), out_width, mirror, out.data());
      row(y, static_cast<const float*>(out.data()));
      continue;
    }
#endif
    weighted_columns(shrunk.data(), columns, out_width, mirror, out.data());
    row(y, static_cast<const float*>(out.data()));
  }
}

}  // namespace forge::images
