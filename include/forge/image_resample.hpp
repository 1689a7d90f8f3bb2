// Resampling a window of 8-bit pixels to another size — the images plugin's resize, public for
// data plugins of your own. The filter is the triangle (bilinear) one, widened by the scale when
// shrinking so that every source pixel counts (antialiased, as Pillow's and torchvision's
// resize): a 2x shrink averages, it does not skip every other pixel. It works in two passes,
// rows first (which shrinks the work of the second) then columns, with weights computed once per
// output row and column, and writes each output row through a callback, so a caller can store it
// as it likes — 8-bit pixels, or normalised floats in a tensor's channel planes — without a
// second copy.
//
// The inner loops are written with vector intrinsics (SSE2 on x86-64, AVX2 where the processor
// has it; plain loops elsewhere), so they are vectorised at any optimisation level: a plugin built
// at -O1 gets the same speed. They weigh whole numbers (see kWeightOne), so every path gives the
// same bits.
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
  // Source centres strictly within `support` of an output centre (the only ones weighed above 0)
  // lie in an open span 2 * support wide: ceil(2 * support) of them at most, counted from the first.
  axis.taps = std::min(int(std::ceil(2 * support)), high - low);
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

// Both passes weigh whole numbers, as Pillow-SIMD does but keeping more bits: each weight in
// units of 1/kWeightOne (the float weights rounded, their sum kept at exactly kWeightOne); the
// rows pass sums 8-bit pixels into 16-bit values with kFractionBits bits below the 8-bit level,
// the columns pass sums those into 32 bits, and only then does a value become a float. Integer
// sums do not depend on their order, so every path below — AVX2, SSE2, the plain loops — gives
// the same bits on any processor, and one multiply-add instruction takes two taps at once.
constexpr int kWeightBits = 14, kWeightOne = 1 << kWeightBits;
constexpr int kFractionBits = 7;  // 255 << 7 = 32640: the rows pass's values fit signed 16 bits
constexpr float kLevel = 1.0f / float(int64_t(1) << (kWeightBits + kFractionBits));  // a columns sum to 0..255

// One axis's weights as whole numbers: `each` holds `taps` per output pixel, `paired` the same in
// pairs (two 16-bit weights in one 32-bit word, the first in the low half; an odd last tap paired
// with 0), `(taps + 1) / 2` words per output pixel.
struct FixedWeights {
  int taps = 0, pairs = 0;
  std::vector<int> first;
  std::vector<int16_t> each;
  std::vector<int32_t> paired;
};

inline FixedWeights fixed_weights(const AxisWeights& axis) {
  FixedWeights fixed;
  fixed.taps = axis.taps;
  fixed.pairs = (axis.taps + 1) / 2;
  fixed.first = axis.first;
  const size_t out = axis.first.size(), taps = size_t(axis.taps);
  fixed.each.resize(out * taps);
  fixed.paired.resize(out * size_t(fixed.pairs));
  for (size_t i = 0; i < out; ++i) {
    int16_t* whole = &fixed.each[i * taps];
    int sum = 0;
    size_t largest = 0;
    for (size_t k = 0; k < taps; ++k) {
      // Rounded to nearest (weights are not negative; float * 2^14 + 0.5 is exact in a double).
      whole[k] = int16_t(std::floor(double(axis.weights[i * taps + k]) * kWeightOne + 0.5));
      sum += whole[k];
      if (whole[k] > whole[largest]) largest = k;
    }
    whole[largest] = int16_t(whole[largest] + kWeightOne - sum);  // rounding must not brighten or darken
    for (size_t p = 0; p < size_t(fixed.pairs); ++p) {
      const uint16_t low = uint16_t(whole[2 * p]), high = 2 * p + 1 < taps ? uint16_t(whole[2 * p + 1]) : 0;
      fixed.paired[i * size_t(fixed.pairs) + p] = int32_t(uint32_t(low) | (uint32_t(high) << 16));
    }
  }
  return fixed;
}

// The rows pass's rounding of a 32-bit sum to the 16-bit value it keeps.
inline int16_t kept_bits(int32_t sum) {
  return int16_t((sum + (1 << (kWeightBits - kFractionBits - 1))) >> (kWeightBits - kFractionBits));
}

// out[x] = sum over k of weight[k] * row_k[x], kept to kFractionBits bits, for `count` bytes of
// `taps` rows `stride` apart, the weights paired as FixedWeights pairs them. The vector paths
// read two rows at once; an odd last row is read twice, the second time with weight 0.
inline void weighted_rows_tail(const uint8_t* row, size_t stride, const int32_t* pairs, int taps, size_t x,
                               size_t count, int16_t* out) {
  for (; x < count; ++x) {
    int32_t sum = 0;
    for (int k = 0; k < taps; ++k) {
      const uint32_t pair = uint32_t(pairs[k / 2]);
      sum += int32_t(row[size_t(k) * stride + x]) * int16_t(k % 2 ? pair >> 16 : pair & 0xFFFF);
    }
    out[x] = kept_bits(sum);
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// weighted_rows for the 32 bytes at x, in four independent sums: the loads of one wait while
// the others add. `kTaps` taps when it is above 0 (the loop over them unrolled), else `taps`.
template <int kTaps>
__attribute__((target("avx2"))) inline void weighted_rows_32_avx2(const uint8_t* row, size_t stride,
                                                                  const int32_t* pairs, int taps, size_t x,
                                                                  int16_t* out) {
  if (kTaps > 0) taps = kTaps;
  const __m256i half = _mm256_set1_epi32(1 << (kWeightBits - kFractionBits - 1));
  __m256i low0 = half, high0 = half, low1 = half, high1 = half;
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
  // The unpacks work within 128-bit halves (low: bytes 0..3 and 8..11 of 16, high: 4..7 and
  // 12..15), and so does the pack, which puts them back in order.
  constexpr int shift = kWeightBits - kFractionBits;
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + x),
                      _mm256_packs_epi32(_mm256_srai_epi32(low0, shift), _mm256_srai_epi32(high0, shift)));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + x + 16),
                      _mm256_packs_epi32(_mm256_srai_epi32(low1, shift), _mm256_srai_epi32(high1, shift)));
}

template <int kTaps>
__attribute__((target("avx2"))) inline void weighted_rows_avx2_of(const uint8_t* row, size_t stride,
                                                                  const int32_t* pairs, int taps, size_t count,
                                                                  int16_t* out) {
  for (size_t x = 0; x + 32 <= count; x += 32) weighted_rows_32_avx2<kTaps>(row, stride, pairs, taps, x, out);
  // The last bytes as the 32 that end at count: those already done are written again, the same.
  if (count % 32) weighted_rows_32_avx2<kTaps>(row, stride, pairs, taps, count - 32, out);
}

__attribute__((target("avx2"))) inline void weighted_rows_avx2(const uint8_t* row, size_t stride, const int32_t* pairs,
                                                               int taps, size_t count, int16_t* out) {
  if (count < 32) return weighted_rows_tail(row, stride, pairs, taps, 0, count, out);
  switch (taps) {  // the usual counts: a window enlarged (2 taps) or shrunk by up to 2.5 (up to 5)
    case 2:
      return weighted_rows_avx2_of<2>(row, stride, pairs, taps, count, out);
    case 3:
      return weighted_rows_avx2_of<3>(row, stride, pairs, taps, count, out);
    case 4:
      return weighted_rows_avx2_of<4>(row, stride, pairs, taps, count, out);
    case 5:
      return weighted_rows_avx2_of<5>(row, stride, pairs, taps, count, out);
    default:
      return weighted_rows_avx2_of<0>(row, stride, pairs, taps, count, out);
  }
}

inline bool has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

#if defined(__SSE2__)
// weighted_rows for the 8 bytes at x.
inline void weighted_rows_8_sse2(const uint8_t* row, size_t stride, const int32_t* pairs, int taps, size_t x,
                                 int16_t* out) {
  const __m128i zero = _mm_setzero_si128(), half = _mm_set1_epi32(1 << (kWeightBits - kFractionBits - 1));
  __m128i low = half, high = half;
  for (int k = 0; k < taps; k += 2) {
    const uint8_t* first = row + size_t(k) * stride + x;
    const uint8_t* second = k + 1 < taps ? first + stride : first;
    const __m128i a = _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(first)), zero);
    const __m128i b = _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(second)), zero);
    const __m128i weight = _mm_set1_epi32(pairs[k / 2]);
    low = _mm_add_epi32(low, _mm_madd_epi16(_mm_unpacklo_epi16(a, b), weight));
    high = _mm_add_epi32(high, _mm_madd_epi16(_mm_unpackhi_epi16(a, b), weight));
  }
  constexpr int shift = kWeightBits - kFractionBits;
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + x),
                   _mm_packs_epi32(_mm_srai_epi32(low, shift), _mm_srai_epi32(high, shift)));
}
#endif

inline void weighted_rows_sse2(const uint8_t* row, size_t stride, const int32_t* pairs, int taps, size_t count,
                               int16_t* out) {
#if defined(__SSE2__)
  if (count >= 8) {
    for (size_t x = 0; x + 8 <= count; x += 8) weighted_rows_8_sse2(row, stride, pairs, taps, x, out);
    if (count % 8) weighted_rows_8_sse2(row, stride, pairs, taps, count - 8, out);  // as in weighted_rows_avx2
    return;
  }
#endif
  weighted_rows_tail(row, stride, pairs, taps, 0, count, out);
}

inline void weighted_rows(const uint8_t* row, size_t stride, const int32_t* pairs, int taps, size_t count,
                          int16_t* out) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (has_avx2()) return weighted_rows_avx2(row, stride, pairs, taps, count, out);
#endif
  weighted_rows_sse2(row, stride, pairs, taps, count, out);
}

// One output row from a row of the rows pass's values (`channels` per pixel): out pixel i =
// sum over k of weight[i][k] * in pixel first[i] + k, as a float on the 0..255 scale, written
// from the right when `mirror`.
inline void weighted_columns(const int16_t* in, const FixedWeights& axis, int channels, int out_width, bool mirror,
                             float* out) {
  const size_t taps = size_t(axis.taps);
  for (int i = 0; i < out_width; ++i) {
    const int16_t* w = &axis.each[size_t(i) * taps];
    const int16_t* pixel = in + size_t(axis.first[size_t(i)]) * size_t(channels);
    float* into = out + size_t(mirror ? out_width - 1 - i : i) * size_t(channels);
    for (int c = 0; c < channels; ++c) {
      int32_t sum = 0;
      for (size_t k = 0; k < taps; ++k) sum += int32_t(pixel[k * size_t(channels) + size_t(c)]) * w[k];
      into[c] = float(sum) * kLevel;
    }
  }
}

#if defined(__SSE2__)
// Two neighbouring pixels of four 16-bit channels, [r0 g0 b0 x0 r1 g1 b1 x1], as pairs
// [r0 r1 g0 g1 b0 b1 x0 x1] for a multiply-add with two taps' weights (in each 128-bit half).
inline __m128i channel_pairs(__m128i two) { return _mm_unpacklo_epi16(two, _mm_unpackhi_epi64(two, two)); }

// Output pixel i of weighted_columns for 4 channels, two taps per multiply-add. It reads one
// pixel past first[i] + taps - 1 when taps is odd (with weight 0): `in` has one more.
inline void rgbx_pixel_sse2(const int16_t* in, const FixedWeights& axis, int i, int out_width, bool mirror,
                            float* out) {
  const int16_t* pixel = in + size_t(axis.first[size_t(i)]) * 4;
  const int32_t* pairs = &axis.paired[size_t(i) * size_t(axis.pairs)];
  __m128i sum = _mm_setzero_si128();
  for (int p = 0; p < axis.pairs; ++p) {
    const __m128i two = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pixel + 8 * size_t(p)));
    sum = _mm_add_epi32(sum, _mm_madd_epi16(channel_pairs(two), _mm_set1_epi32(pairs[p])));
  }
  _mm_storeu_ps(out + size_t(mirror ? out_width - 1 - i : i) * 4,
                _mm_mul_ps(_mm_cvtepi32_ps(sum), _mm_set1_ps(kLevel)));
}

// weighted_columns for 4 channels, one output pixel at a time.
inline void weighted_columns_rgbx_sse2(const int16_t* in, const FixedWeights& axis, int out_width, bool mirror,
                                       float* out) {
  for (int i = 0; i < out_width; ++i) rgbx_pixel_sse2(in, axis, i, out_width, mirror, out);
}
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The column weights for weighted_columns_rgbx_avx2: for output pixels 2j and 2j + 1, each pair
// of taps' word four times for pixel 2j (the low half), then four times for 2j + 1.
inline std::vector<int32_t> doubled_pairs(const FixedWeights& axis) {
  const size_t pairs = size_t(axis.pairs), twos = axis.first.size() / 2;
  std::vector<int32_t> doubled(twos * pairs * 8);
  for (size_t j = 0; j < twos; ++j)
    for (size_t p = 0; p < pairs; ++p)
      for (size_t lane = 0; lane < 8; ++lane)
        doubled[(j * pairs + p) * 8 + lane] = axis.paired[(2 * j + lane / 4) * pairs + p];
  return doubled;
}

// weighted_columns_rgbx_avx2 with `kPairs` pairs of taps when it is above 0 (the loop over them
// unrolled: most windows shrink by less than 2, 1 or 2 pairs), else axis.pairs.
template <int kPairs>
__attribute__((target("avx2"))) inline void weighted_columns_rgbx_avx2_of(const int16_t* in, const FixedWeights& axis,
                                                                          const int32_t* doubled, int out_width,
                                                                          bool mirror, float* out) {
  const __m256 level = _mm256_set1_ps(kLevel);
  // channel_pairs in one byte shuffle: [r0 g0 b0 x0 r1 g1 b1 x1] -> [r0 r1 g0 g1 b0 b1 x0 x1] in each half.
  const __m256i to_pairs = _mm256_setr_epi8(0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15, 0, 1, 8, 9, 2, 3, 10,
                                            11, 4, 5, 12, 13, 6, 7, 14, 15);
  const size_t pairs = kPairs > 0 ? size_t(kPairs) : size_t(axis.pairs);
  const int* first = axis.first.data();
  int i = 0;
  for (; i + 2 <= out_width; i += 2) {
    const int16_t* left = in + size_t(first[i]) * 4;
    const int16_t* right = in + size_t(first[i + 1]) * 4;
    const int32_t* w = doubled + size_t(i / 2) * pairs * 8;
    __m256i sum = _mm256_setzero_si256();
    for (size_t p = 0; p < pairs; ++p) {
      const __m256i two = _mm256_inserti128_si256(
          _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(left + 8 * p))),
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(right + 8 * p)), 1);
      sum = _mm256_add_epi32(sum, _mm256_madd_epi16(_mm256_shuffle_epi8(two, to_pairs),
                                                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 8 * p))));
    }
    const __m256 values = _mm256_mul_ps(_mm256_cvtepi32_ps(sum), level);
    if (mirror) {  // pixel i lands at out_width - 1 - i, i + 1 just left of it
      _mm256_storeu_ps(out + size_t(out_width - 2 - i) * 4, _mm256_permute2f128_ps(values, values, 1));
    } else {
      _mm256_storeu_ps(out + size_t(i) * 4, values);
    }
  }
  if (i < out_width) rgbx_pixel_sse2(in, axis, i, out_width, mirror, out);  // the last of an odd number
}

// weighted_columns_rgbx_sse2 for two output pixels at a time.
__attribute__((target("avx2"))) inline void weighted_columns_rgbx_avx2(const int16_t* in, const FixedWeights& axis,
                                                                       const int32_t* doubled, int out_width,
                                                                       bool mirror, float* out) {
  switch (axis.pairs) {
    case 1:
      return weighted_columns_rgbx_avx2_of<1>(in, axis, doubled, out_width, mirror, out);
    case 2:
      return weighted_columns_rgbx_avx2_of<2>(in, axis, doubled, out_width, mirror, out);
    case 3:
      return weighted_columns_rgbx_avx2_of<3>(in, axis, doubled, out_width, mirror, out);
    default:
      return weighted_columns_rgbx_avx2_of<0>(in, axis, doubled, out_width, mirror, out);
  }
}
#endif

}  // namespace detail

// Channel planes from `count` pixels of 4 floats (RGB and padding, as resample writes them):
// planes[c][x] = values[4 x + c] * scale[c] - shift[c], c = 0, 1, 2 — the step from a resampled row
// to a normalised [3, height, width] tensor, four pixels at a time. `stream`: past the caches
// (non-temporal stores, where the planes are 16-byte aligned), for memory that this thread only
// writes and another reads later, as a batch laid out for training (forge/collate.hpp's
// example_memory); call streamed_stores_done() before handing it over.
inline void rgb_planes(const float* values, int count, float* const planes[3], const float scale[3],
                       const float shift[3], bool stream = false) {
  int x = 0;
#if defined(__SSE2__)
  const __m128 scale_r = _mm_set1_ps(scale[0]), scale_g = _mm_set1_ps(scale[1]), scale_b = _mm_set1_ps(scale[2]);
  const __m128 shift_r = _mm_set1_ps(shift[0]), shift_g = _mm_set1_ps(shift[1]), shift_b = _mm_set1_ps(shift[2]);
  auto aligned = [](const float* at) { return reinterpret_cast<uintptr_t>(at) % 16 == 0; };
  stream = stream && aligned(planes[0]) && aligned(planes[1]) && aligned(planes[2]);
  for (; x + 4 <= count; x += 4) {
    __m128 p0 = _mm_loadu_ps(values + 4 * x), p1 = _mm_loadu_ps(values + 4 * x + 4),
           p2 = _mm_loadu_ps(values + 4 * x + 8), p3 = _mm_loadu_ps(values + 4 * x + 12);
    _MM_TRANSPOSE4_PS(p0, p1, p2, p3);  // now p0 holds four reds, p1 four greens, p2 four blues
    p0 = _mm_sub_ps(_mm_mul_ps(p0, scale_r), shift_r);
    p1 = _mm_sub_ps(_mm_mul_ps(p1, scale_g), shift_g);
    p2 = _mm_sub_ps(_mm_mul_ps(p2, scale_b), shift_b);
    if (stream) {
      _mm_stream_ps(planes[0] + x, p0);
      _mm_stream_ps(planes[1] + x, p1);
      _mm_stream_ps(planes[2] + x, p2);
    } else {
      _mm_storeu_ps(planes[0] + x, p0);
      _mm_storeu_ps(planes[1] + x, p1);
      _mm_storeu_ps(planes[2] + x, p2);
    }
  }
#else
  (void)stream;
#endif
  for (; x < count; ++x)
    for (int c = 0; c < 3; ++c) planes[c][x] = values[4 * size_t(x) + size_t(c)] * scale[c] - shift[c];
}

// Orders the non-temporal stores this thread has made (rgb_planes' `stream`) before its later
// stores, such as the one that hands their memory to another thread.
inline void streamed_stores_done() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
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
  const int pixel_bytes = source.pixel_bytes;
  if (pixel_bytes != 1 && pixel_bytes != 3 && pixel_bytes != 4)
    throw std::invalid_argument("resample: pixels of 1, 3 or 4 bytes");
  detail::FixedWeights columns =
      detail::fixed_weights(detail::axis_weights(window.left, window.width, out_width, readable.left, readable.right));
  const detail::FixedWeights rows =
      detail::fixed_weights(detail::axis_weights(window.top, window.height, out_height, readable.top, readable.bottom));
  // The first pass keeps only the columns the second reads (first[] grows with the output column),
  // which the second then counts from the first of them.
  const int column_low = columns.first.front(), column_high = columns.first.back() + columns.taps;
  for (int& first : columns.first) first -= column_low;
  const size_t stride = size_t(source.width) * size_t(pixel_bytes),
               count = size_t(column_high - column_low) * size_t(pixel_bytes);
  std::vector<int16_t> shrunk(count + size_t(pixel_bytes));  // and one pixel of zeros: see weighted_columns_rgbx_sse2
  std::vector<float> out(size_t(out_width) * size_t(pixel_bytes));
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  const bool two_at_once = pixel_bytes == 4 && detail::has_avx2();
  const std::vector<int32_t> doubled = two_at_once ? detail::doubled_pairs(columns) : std::vector<int32_t>();
#endif
  for (int y = 0; y < out_height; ++y) {
    const uint8_t* top =
        source.data + size_t(rows.first[size_t(y)]) * stride + size_t(column_low) * size_t(pixel_bytes);
    detail::weighted_rows(top, stride, &rows.paired[size_t(y) * size_t(rows.pairs)], rows.taps, count, shrunk.data());
    if (pixel_bytes != 4) {
      detail::weighted_columns(shrunk.data(), columns, pixel_bytes, out_width, mirror, out.data());
    } else {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
      if (two_at_once) {
        detail::weighted_columns_rgbx_avx2(shrunk.data(), columns, doubled.data(), out_width, mirror, out.data());
      } else {
        detail::weighted_columns_rgbx_sse2(shrunk.data(), columns, out_width, mirror, out.data());
      }
#elif defined(__SSE2__)
      detail::weighted_columns_rgbx_sse2(shrunk.data(), columns, out_width, mirror, out.data());
#else
      detail::weighted_columns(shrunk.data(), columns, 4, out_width, mirror, out.data());
#endif
    }
    row(y, static_cast<const float*>(out.data()));
  }
}

}  // namespace forge::images
