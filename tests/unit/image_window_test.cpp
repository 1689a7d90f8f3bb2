// forge/image_resample.hpp's filter and forge/image_decode.hpp's windowed JPEG decode: what the
// images plugin's photo path rests on. JPEGs are encoded here with libjpeg, from pixels made here.
#include "test_support.hpp"

#include <forge/image_decode.hpp>
#include <forge/image_ops.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace forge::images {
namespace {

// A smooth colour picture with some detail: what a photograph's JPEG is like.
Image picture(int width, int height, int channels) {
  Image image{width, height, channels, std::vector<uint8_t>(size_t(width) * height * channels)};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c)
        image.pixels[(size_t(y) * width + x) * channels + c] =
            uint8_t(127 + 60 * std::sin(0.05 * x + 0.9 * c) + 50 * std::cos(0.07 * y - 0.4 * c) +
                    15 * std::sin(0.5 * x * (c + 1)) * std::cos(0.3 * y));
  return image;
}

// quality 90, 4:2:0 chroma, baseline unless `progressive`; `full_chroma`: 4:4:4; a restart marker
// every `restart_mcus` MCUs or every `restart_rows` MCU rows when either is given.
std::string jpeg_of(const Image& image, int quality = 90, bool progressive = false, bool full_chroma = false,
                    int restart_mcus = 0, int restart_rows = 0) {
  jpeg_compress_struct info;
  jpeg_error_mgr error;
  info.err = jpeg_std_error(&error);
  jpeg_create_compress(&info);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&info, &buffer, &size);
  info.image_width = JDIMENSION(image.width);
  info.image_height = JDIMENSION(image.height);
  info.input_components = image.channels;
  info.in_color_space = image.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  if (progressive) jpeg_simple_progression(&info);
  if (full_chroma && image.channels == 3) info.comp_info[0].h_samp_factor = info.comp_info[0].v_samp_factor = 1;
  info.restart_interval = unsigned(restart_mcus);
  info.restart_in_rows = restart_rows;
  jpeg_start_compress(&info, TRUE);
  while (info.next_scanline < info.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(&image.pixels[size_t(info.next_scanline) * image.width * image.channels]);
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  std::string bytes(reinterpret_cast<char*>(buffer), size);
  free(buffer);
  return bytes;
}

std::string written(const testing::TempDir& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir / name;
  testing::write_text(path, bytes);  // binary: the bytes as they are
  return path;
}

// The mean and largest absolute difference of two images of one size.
std::pair<double, int> difference(const Image& a, const Image& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.channels, b.channels);
  double sum = 0;
  int largest = 0;
  for (size_t i = 0; i < std::min(a.pixels.size(), b.pixels.size()); ++i) {
    const int d = std::abs(int(a.pixels[i]) - int(b.pixels[i]));
    sum += d;
    largest = std::max(largest, d);
  }
  return {sum / double(a.pixels.size()), largest};
}

TEST(ImageResample, TheWholeImageAtItsOwnSizeIsItself) {
  const Image image = picture(37, 23, 3);
  EXPECT_EQ(resize(image, 37, 23).pixels, image.pixels);
  const Image same = resized_window(image, 37, 23, 0, 0, 37, 23);
  EXPECT_EQ(same.pixels, image.pixels);
}

TEST(ImageResample, OneColourStaysThatColourAtAnySizeAndWindow) {
  Image flat{50, 40, 3, {}};
  for (int i = 0; i < 50 * 40; ++i) flat.pixels.insert(flat.pixels.end(), {200, 17, 99});
  const PixelRows rows{flat.pixels.data(), 50, 40, 3};
  for (const Window window : {Window{0, 0, 50, 40}, Window{3.5, 7.25, 20.3, 11.1}, Window{49, 39, 1, 1}})
    for (int out : {1, 7, 64}) {
      const Image scaled = detail::resampled_image(rows, window, covered_pixels(window, 50, 40), out, out, false);
      for (size_t i = 0; i < scaled.pixels.size(); i += 3)
        ASSERT_TRUE(scaled.pixels[i] == 200 && scaled.pixels[i + 1] == 17 && scaled.pixels[i + 2] == 99) << out;
    }
}

// A 4x shrink averages every column (antialiased), where a plain bilinear resize reads two of
// each four and misses the bright one entirely.
TEST(ImageResample, ShrinkingAveragesRatherThanSkipping) {
  Image stripes{64, 8, 1, std::vector<uint8_t>(64 * 8)};
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 64; ++x) stripes.pixels[size_t(y) * 64 + x] = x % 4 == 0 ? 255 : 0;
  const Image quarter = resize(stripes, 16, 2);
  for (int y = 0; y < 2; ++y)
    for (int x = 1; x < 15; ++x) EXPECT_NEAR(quarter.pixels[size_t(y) * 16 + x], 64, 2) << x;
}

TEST(ImageResample, MirroringReversesEachRow) {
  const Image image = picture(90, 60, 3);
  const PixelRows rows{image.pixels.data(), 90, 60, 3};
  const Window window{10.5, 4, 61, 47};
  const Image plain = detail::resampled_image(rows, window, covered_pixels(window, 90, 60), 33, 29, false);
  const Image mirrored = detail::resampled_image(rows, window, covered_pixels(window, 90, 60), 33, 29, true);
  for (int y = 0; y < 29; ++y)
    for (int x = 0; x < 33; ++x)
      for (int c = 0; c < 3; ++c)
        ASSERT_EQ(mirrored.pixels[(size_t(y) * 33 + x) * 3 + c], plain.pixels[(size_t(y) * 33 + (32 - x)) * 3 + c]);
}

// The rows pass sums whole numbers, the columns pass multiplies and adds floats in one order: every
// vector path gives the plain loop's bits, so a run resumed on another processor makes the same
// tensors.
TEST(ImageResample, EveryVectorPathSumsToTheSameBits) {
  std::mt19937 random(7);
  std::vector<uint8_t> rows(5 * 203);
  for (auto& byte : rows) byte = uint8_t(random());
  detail::AxisWeights axis;
  axis.taps = 5;
  axis.first = {0};
  axis.weights = {0.1f, 0.2f, 0.4f, 0.2f, 0.1f};
  const detail::FixedWeights fixed = detail::fixed_weights(axis);
  std::vector<int16_t> plain(203), sse2(203);
  detail::weighted_rows_tail(rows.data(), 203, fixed.paired.data(), 5, 0, 203, plain.data());
  detail::weighted_rows_sse2(rows.data(), 203, fixed.paired.data(), 5, 203, sse2.data());
  EXPECT_EQ(plain, sse2);
  // Every row length, whole vectors or not (the last part is the vector that ends at the row's end),
  // shorter than one vector, and any number of taps.
  for (int taps = 1; taps <= 5; ++taps)
    for (size_t count : {1, 7, 8, 13, 31, 32, 33, 45, 64, 203}) {
      detail::AxisWeights some;
      some.taps = taps;
      some.first = {0};
      some.weights.assign(size_t(taps), 1.0f / float(taps));
      const std::vector<int32_t> pairs = detail::fixed_weights(some).paired;
      std::vector<int16_t> one(count), vector(count, -1);
      detail::weighted_rows_tail(rows.data(), 203, pairs.data(), taps, 0, count, one.data());
      detail::weighted_rows_sse2(rows.data(), 203, pairs.data(), taps, count, vector.data());
      EXPECT_EQ(one, vector) << taps << " taps, " << count;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
      if (detail::has_avx2()) {
        std::fill(vector.begin(), vector.end(), int16_t(-1));
        detail::weighted_rows_avx2(rows.data(), 203, pairs.data(), taps, count, vector.data());
        EXPECT_EQ(one, vector) << taps << " taps, " << count;
      }
#endif
    }
  for (size_t x = 0; x < 203; ++x) {  // and the sums are the weighted means, to 1/2^7 of a level
    const double exact =
        0.1 * rows[x] + 0.2 * rows[203 + x] + 0.4 * rows[406 + x] + 0.2 * rows[609 + x] + 0.1 * rows[812 + x];
    ASSERT_NEAR(plain[x] / double(1 << detail::kFractionBits), exact, 0.05) << x;
  }
  // The columns pass: one pixel at a time and (AVX2) two, odd and even widths, mirrored.
  std::vector<int16_t> in(4 * 91);
  for (auto& value : in) value = int16_t(random() % 32641);
  for (int out_width : {33, 34}) {
    const detail::FixedWeights columns = detail::fixed_weights(detail::axis_weights(3.5, 80, out_width, 0, 90));
    for (bool mirror : {false, true}) {
      std::vector<float> one(4 * size_t(out_width)), vector(4 * size_t(out_width));
      detail::weighted_columns(in.data(), columns, 4, out_width, mirror, one.data());
      detail::weighted_columns_rgbx_sse2(in.data(), columns, out_width, mirror, vector.data());
      EXPECT_EQ(one, vector) << out_width << mirror;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
      if (detail::has_avx2()) {
        detail::weighted_columns_rgbx_avx2(in.data(), columns, detail::doubled_pairs(columns).data(), out_width, mirror,
                                           vector.data());
        EXPECT_EQ(one, vector) << out_width << mirror;
      }
#endif
    }
  }
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (detail::has_avx2()) {
    std::vector<int16_t> avx2(203);
    detail::weighted_rows_avx2(rows.data(), 203, fixed.paired.data(), 5, 203, avx2.data());
    EXPECT_EQ(plain, avx2);
  }
#endif
}

// The taps of an output pixel are every source pixel its triangle weighs above 0, and no more
// than the widest triangle can reach: weighed against every readable pixel, one by one.
TEST(ImageResample, AnOutputPixelsTapsHoldEverySourcePixelItsFilterWeighs) {
  for (double length : {7.0, 20.0, 21.5, 44.8, 45.0, 63.3, 64.0, 90.0, 131.0})
    for (double start : {0.0, 0.25, 3.5, 10.0})
      for (int out : {20, 32, 45}) {
        const int low = 0, high = int(std::ceil(start + length)) + 2;
        const detail::AxisWeights axis = detail::axis_weights(start, length, out, low, high);
        const double scale = length / out, support = std::max(1.0, scale);
        EXPECT_LE(axis.taps, int(std::ceil(2 * support))) << length << " over " << out;
        for (int i = 0; i < out; ++i) {
          const double centre = start + (i + 0.5) * scale;
          double sum = 0;
          for (int j = low; j < high; ++j) sum += std::max(0.0, 1.0 - std::abs(j + 0.5 - centre) / support);
          for (int j = low; j < high; ++j) {
            const double weight = std::max(0.0, 1.0 - std::abs(j + 0.5 - centre) / support) / sum;
            const int k = j - axis.first[size_t(i)];
            const double tap = k >= 0 && k < axis.taps ? axis.weights[size_t(i) * size_t(axis.taps) + size_t(k)] : 0.0;
            ASSERT_NEAR(tap, weight, 1e-6)
                << length << " over " << out << " from " << start << ": pixel " << i << ", source " << j;
          }
        }
      }
}

TEST(ImageResample, ANormalisedTensorHoldsTheResampledPixelsInChannelPlanes) {
  const Image image = picture(80, 60, 3);
  DecodedWindow decoded;
  decoded.width = 80;
  decoded.height = 60;
  decoded.pixel_bytes = 4;
  for (size_t i = 0; i < image.pixels.size(); i += 3)
    decoded.pixels.insert(decoded.pixels.end(), {image.pixels[i], image.pixels[i + 1], image.pixels[i + 2], 0});
  decoded.window = {5, 6, 50, 40};
  decoded.readable = covered_pixels(decoded.window, 80, 60);
  const torch::Tensor tensor = window_tensor(decoded, 25, 20, true, {0.5, 0.4, 0.3}, {0.2, 0.25, 0.3});
  const Image expected = resampled(decoded, 25, 20, true);
  ASSERT_EQ(tensor.sizes(), (std::vector<int64_t>{3, 20, 25}));
  const std::vector<double> mean{0.5, 0.4, 0.3}, std{0.2, 0.25, 0.3};
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 20; ++y)
      for (int x = 0; x < 25; ++x) {
        const double pixel = tensor[c][y][x].item<float>() * std[size_t(c)] + mean[size_t(c)];
        ASSERT_NEAR(pixel * 255, expected.pixels[(size_t(y) * 25 + x) * 3 + c], 0.51);
      }
}

// Planes written past the caches hold the same values as planes written through them, aligned
// to 16 bytes or not (then written the ordinary way).
TEST(ImageResample, StreamedChannelPlanesHoldTheSameValues) {
  std::vector<float> values(4 * 13);
  for (size_t i = 0; i < values.size(); ++i) values[i] = float(i * 7 % 256);
  const float scale[3] = {0.5f, 0.25f, 2.0f}, shift[3] = {1.0f, -3.0f, 0.5f};
  for (size_t offset : {0, 1}) {
    alignas(16) float cached[3][20] = {}, streamed[3][20] = {};
    float* const through[3] = {cached[0] + offset, cached[1] + offset, cached[2] + offset};
    float* const past[3] = {streamed[0] + offset, streamed[1] + offset, streamed[2] + offset};
    rgb_planes(values.data(), 13, through, scale, shift);
    rgb_planes(values.data(), 13, past, scale, shift, /*stream=*/true);
    streamed_stores_done();
    for (int c = 0; c < 3; ++c)
      for (int x = 0; x < 20; ++x) ASSERT_EQ(cached[c][x], streamed[c][x]) << offset << " " << c << " " << x;
    EXPECT_EQ(cached[1][offset + 2], values[4 * 2 + 1] * 0.25f + 3.0f);
  }
}

class JpegWindow : public ::testing::Test {
 protected:
  // Decodes `window` both ways and resamples each to out x out.
  std::pair<Image, Image> both(const std::string& path, Window window, int out, int channels = 3) {
    auto choose = [&](int, int) { return window; };
    const DecodedWindow fast = decode_window(path, channels, limits_, choose, out, out);
    const DecodedWindow exact = decode_window(path, channels, limits_, choose, out, out, true);
    return {resampled(fast, out, out), resampled(exact, out, out)};
  }
  testing::TempDir dir_;
  DecodeLimits limits_;
};

// A window needing full resolution: only its rows and columns (to the decoder's blocks) are
// decoded, and they match the whole decode's up to the fast DCT's and upsampling's rounding.
TEST_F(JpegWindow, OnlyTheWindowsRowsAndColumnsAreDecodedAndTheyMatchTheWholeDecode) {
  const std::string path = written(dir_, "photo.jpg", jpeg_of(picture(480, 360, 3)));
  const Window window{200.5, 150, 120, 90};
  const DecodedWindow fast = decode_window(
      path, 3, limits_,
      [&](int w, int h) {
        EXPECT_EQ(w, 480);
        EXPECT_EQ(h, 360);
        return window;
      },
      100, 80);
  EXPECT_EQ(fast.pixel_bytes, 4);
  EXPECT_EQ(fast.height, 90);           // rows 150 to 239 and nothing else
  EXPECT_LE(fast.width, 120 + 2 * 16);  // its columns, widened to whole 16-pixel blocks
  EXPECT_LE(fast.window.left + fast.window.width, fast.width);
  EXPECT_DOUBLE_EQ(fast.window.width, 120);
  const auto [windowed, whole] = both(path, window, 100);
  const auto [mean, largest] = difference(windowed, whole);
  EXPECT_LT(mean, 1.5);
  EXPECT_LT(largest, 24);
}

// A large window is decoded scaled down inside the IDCT (here by 1/2: 300 x 300 to at least 128),
// and what it resamples to is still the whole decode's picture.
TEST_F(JpegWindow, ALargeWindowIsDecodedScaledDownAndResamplesToTheSamePicture) {
  const std::string path = written(dir_, "photo.jpg", jpeg_of(picture(500, 375, 3)));
  const Window window{100, 40, 300, 300};
  const DecodedWindow fast = decode_window(
      path, 3, limits_, [&](int, int) { return window; }, 128, 128);
  EXPECT_DOUBLE_EQ(fast.window.width, 150);  // half size
  EXPECT_LE(fast.height, 151);
  const auto [windowed, whole] = both(path, window, 128);
  const auto [mean, largest] = difference(windowed, whole);
  EXPECT_LT(mean, 2.0);
  EXPECT_LT(largest, 32);
  // At 1/8, 1/4: a window of the whole image to 32 pixels.
  const DecodedWindow eighth = decode_window(
      path, 3, limits_,
      [](int w, int h) {
        return Window{0, 0, double(w), double(h)};
      },
      32, 32);
  EXPECT_EQ(eighth.width, (500 + 7) / 8);
  EXPECT_EQ(eighth.height, (375 + 7) / 8);
}

TEST_F(JpegWindow, WindowsAtTheEdgesAndGreyImagesDecodeToo) {
  const std::string path = written(dir_, "photo.jpg", jpeg_of(picture(333, 251, 3)));
  for (const Window window : {Window{0, 0, 50, 40}, Window{283, 211, 50, 40}, Window{0, 0, 333, 251}}) {
    const auto [windowed, whole] = both(path, window, 48);
    EXPECT_LT(difference(windowed, whole).first, 2.0) << window.left;
    const auto [grey_windowed, grey_whole] = both(path, window, 48, 1);
    EXPECT_EQ(grey_windowed.channels, 1);
    EXPECT_LT(difference(grey_windowed, grey_whole).first, 2.0) << window.left;
  }
  const std::string grey = written(dir_, "grey.jpg", jpeg_of(picture(200, 150, 1)));
  const auto [windowed, whole] = both(grey, Window{20, 30, 100, 100}, 64, 3);  // grey file, RGB asked
  EXPECT_LT(difference(windowed, whole).first, 2.0);
}

// Progressive files (decoded whole into coefficients first) and full-resolution chroma take the
// same window paths.
TEST_F(JpegWindow, ProgressiveAndFullChromaFilesDecodeTheSameWindows) {
  const Image image = picture(400, 300, 3);
  for (const auto& [name, bytes] : {std::pair{"progressive.jpg", jpeg_of(image, 90, true)},
                                    std::pair{"444.jpg", jpeg_of(image, 90, false, true)}}) {
    const std::string path = written(dir_, name, bytes);
    for (const Window window : {Window{150, 100, 100, 80}, Window{0, 0, 400, 300}}) {
      const auto [windowed, whole] = both(path, window, 64);
      EXPECT_LT(difference(windowed, whole).first, 2.0) << name << " " << window.width;
    }
  }
}

// The channels of a JPEG are its frame's, read by libjpeg: bytes that look like a frame header in
// a segment before it (an EXIF thumbnail's, a comment's) do not count.
TEST_F(JpegWindow, AJpegsChannelsAreItsOwnFramesNotThoseOfBytesBeforeIt) {
  for (const int channels : {1, 3}) {
    const std::string bytes = jpeg_of(picture(40, 30, channels));
    // A comment segment (0xFFFE) right after the start of image, holding a frame header of the other kind.
    const char other = channels == 1 ? 3 : 1;
    const std::string frame = {'\xFF', '\xC0', 0, 17, 8, 0, 16, 0, 16, other, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1};
    const std::string comment = std::string{'\xFF', '\xFE', 0, char(2 + frame.size())} + frame;
    const std::string path = written(dir_, "commented.jpg", bytes.substr(0, 2) + comment + bytes.substr(2));
    EXPECT_EQ(channels_of(path, {}), channels);
    EXPECT_EQ(decode_image(path, channels, {}).width, 40);  // and it is a JPEG libjpeg reads
    DecodeLimits tiny;  // beyond the limits in size: that is the sample's to report when it is read
    tiny.max_pixels = 100;
    EXPECT_EQ(channels_of(path, tiny), channels);
    EXPECT_THROW(decode_image(path, channels, tiny), std::runtime_error);
  }
  const std::string path = written(dir_, "no-frame.jpg", std::string{'\xFF', '\xD8', '\xFF', '\xD9'});
  EXPECT_THROW(channels_of(path, {}), std::runtime_error);
}

// A file with restart markers is cut down to the intervals its window covers before it is decoded:
// the same pixels as the window decoded from the whole file, from less entropy-coded data; where
// the intervals do not tile the image (every 5 MCUs of 32 a row), the whole file is decoded.
TEST_F(JpegWindow, ARestartMarkedFileDecodesOnlyItsWindowsIntervalsToTheSamePixels) {
  struct Case {
    const char* name;
    Image image;
    int mcus, rows;
    bool tiles;
  };
  const Image photo = picture(500, 375, 3), grey = picture(333, 251, 1);
  const std::vector<Case> cases{{"every MCU", photo, 1, 0, true},        {"every 4 MCUs", photo, 4, 0, true},
                                {"every row", photo, 0, 1, true},        {"every 2 rows", photo, 0, 2, true},
                                {"grey, every block", grey, 1, 0, true}, {"every 5 MCUs", photo, 5, 0, false}};
  for (const Case& c : cases) {
    const std::string text = jpeg_of(c.image, 90, false, false, c.mcus, c.rows);
    const std::vector<uint8_t> bytes(text.begin(), text.end());
    const std::string path = written(dir_, "restarts.jpg", text);
    detail::RestartPieces pieces;
    ASSERT_EQ(detail::restart_pieces(bytes, pieces), c.tiles) << c.name;
    const int w = c.image.width, h = c.image.height;
    for (const Window window : {Window{200.5, 150, 120, 90}, Window{w - 50.0, h - 40.0, 50, 40}, Window{0, 0, 60, 70},
                                Window{0, 0, double(w), double(h)}, Window{20, 10, 460, 350}}) {
      auto choose = [&](int, int) { return window; };
      const DecodedWindow cut = decode_window(path, 3, limits_, choose, 48, 48);
      const DecodedWindow whole = detail::decode_jpeg_window_of(bytes, 3, limits_, choose, 48, 48, false);
      EXPECT_EQ(resampled(cut, 48, 48).pixels, resampled(whole, 48, 48).pixels) << c.name << " " << window.left;
      if (c.tiles && window.width < 100) {
        int left = 0, top = 0;
        const std::vector<uint8_t> smaller =
            detail::restart_cut(bytes, pieces, covered_pixels(window, w, h), left, top);
        EXPECT_LT(smaller.size(), bytes.size() / 2) << c.name << " " << window.left;
      }
    }
  }
  // Cut short, the file's intervals are not all there: decoded as any file, failing where it ends.
  const std::string text = jpeg_of(photo, 90, false, false, 1);
  const std::string path = written(dir_, "short.jpg", text.substr(0, text.size() / 2));
  EXPECT_THROW(decode_window(
                   path, 3, limits_,
                   [](int, int) {
                     return Window{0, 300, 100, 70};
                   },
                   64, 64),
               std::runtime_error);
}

// A truncated file fails where the decode reaches the missing part, with the usual one line.
TEST_F(JpegWindow, ATruncatedFileFailsWhenTheWindowReachesTheMissingRows) {
  const std::string bytes = jpeg_of(picture(320, 480, 3));
  const std::string path = written(dir_, "cut.jpg", bytes.substr(0, bytes.size() / 2));
  try {
    decode_window(
        path, 3, limits_,
        [](int, int) {
          return Window{0, 400, 100, 80};
        },
        64, 64);
    FAIL() << "decoded past the end of the file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt JPEG"), std::string::npos) << e.what();
  }
}

TEST_F(JpegWindow, APngIsDecodedWholeWithTheWindowAsChosen) {
  const Image image = picture(64, 48, 3);
  std::vector<uint8_t> png;
  {
    png_image info{};
    info.version = PNG_IMAGE_VERSION;
    info.width = 64;
    info.height = 48;
    info.format = PNG_FORMAT_RGB;
    png_alloc_size_t size = 0;
    ASSERT_TRUE(png_image_write_get_memory_size(info, size, 0, image.pixels.data(), 0, nullptr));
    png.resize(size);
    ASSERT_TRUE(png_image_write_to_memory(&info, png.data(), &size, 0, image.pixels.data(), 0, nullptr));
    png.resize(size);
  }
  const std::string path = written(dir_, "picture.png", std::string(png.begin(), png.end()));
  const DecodedWindow decoded = decode_window(
      path, 3, limits_,
      [](int, int) {
        return Window{8, 4, 32, 32};
      },
      16, 16);
  EXPECT_EQ(decoded.pixel_bytes, 3);
  EXPECT_EQ(decoded.width, 64);
  EXPECT_EQ(std::vector<uint8_t>(decoded.pixels.begin(), decoded.pixels.end()), image.pixels);
  EXPECT_DOUBLE_EQ(decoded.window.left, 8);
  EXPECT_EQ(decoded.readable.right, 40);
}

}  // namespace
}  // namespace forge::images
