// Decoding one PNG or JPEG file into 8-bit pixels, with Debian's libpng and libjpeg-turbo: the
// images plugin's reader, public for data plugins of your own. A plugin that includes it links
// the two libraries with the lines `// forge:link png` and `// forge:link jpeg` in its source. The format is told by
// the file's first bytes, not its name. A file is a hostile input like any other: its signature is checked before it is
// read, its size before it is read whole, and the width and height its header claims before any pixel is allocated
// (DecodeLimits), and every decoder's state is freed on every path.
#pragma once

#include <forge/image_resample.hpp>

#include <jpeglib.h>
#include <png.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace forge::images {

// Pixels row by row, each pixel's channels together (height x width x channels).
struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

// What one image may cost, checked before it costs it.
struct DecodeLimits {
  uint64_t max_file_bytes = uint64_t(256) << 20;
  uint64_t max_pixels = 100'000'000;  // width x height
  // Width to height (or height to width) at most: a 1,000,000 x 1 strip, resized so that its
  // shorter side is 224, would be 224 million pixels wide.
  static constexpr double max_aspect_ratio = 100;
};

namespace detail {

enum class Format { png, jpeg, other };

inline Format format_of(const uint8_t* head, size_t size) {
  if (size >= 8 && png_sig_cmp(head, 0, 8) == 0) return Format::png;
  if (size >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) return Format::jpeg;
  return Format::other;
}

// The bytes of an image file: its signature read first, then (a regular file no larger than the
// limit) the whole of it in one read. Throws std::runtime_error saying which check failed.
inline std::vector<uint8_t> read_image_file(const std::string& path, const DecodeLimits& limits) {
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  };
  // O_NONBLOCK: a FIFO put where an image was listed is refused below, not waited on.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw std::runtime_error(std::string("cannot open the file: ") + std::strerror(errno));
  Closer closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) throw std::runtime_error("not a regular file");
  if (info.st_size == 0) throw std::runtime_error("an empty file, not an image");
  std::vector<uint8_t> bytes;
  auto read_to = [&](size_t size) {
    const size_t had = bytes.size();
    bytes.resize(size);
    for (size_t done = had; done < size;) {
      const ssize_t got = ::read(fd, bytes.data() + done, size - done);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw std::runtime_error(std::string("cannot read the file: ") + std::strerror(errno));
      if (got == 0) {  // shorter than fstat said: it changed while read
        bytes.resize(done);
        return;
      }
      done += size_t(got);
    }
  };
  read_to(std::min<size_t>(8, size_t(info.st_size)));
  if (format_of(bytes.data(), bytes.size()) == Format::other) throw std::runtime_error("not a PNG or JPEG image");
  if (uint64_t(info.st_size) > limits.max_file_bytes)
    throw std::runtime_error("the file is " + std::to_string(uint64_t(info.st_size) >> 20) +
                             " MiB, more than --max_file_mb " + std::to_string(limits.max_file_bytes >> 20));
  read_to(size_t(info.st_size));
  return bytes;
}

// Throws when `width` x `height` pixels is more than the limits allow.
inline void check_dimensions(uint64_t width, uint64_t height, const DecodeLimits& limits) {
  const std::string claim = std::to_string(width) + "x" + std::to_string(height);
  if (width == 0 || height == 0) throw std::runtime_error("its header claims " + claim + " pixels");
  if (width * height > limits.max_pixels)  // both are below 2^32: the product cannot wrap
    throw std::runtime_error("its header claims " + claim + " pixels, more than --max_image_pixels " +
                             std::to_string(limits.max_pixels));
  if (double(std::max(width, height)) / double(std::min(width, height)) > DecodeLimits::max_aspect_ratio)
    throw std::runtime_error("it is " + claim + " pixels, longer than " +
                             std::to_string(int(DecodeLimits::max_aspect_ratio)) + " times its width");
}

inline Image decode_png(const std::vector<uint8_t>& bytes, int channels, const DecodeLimits& limits) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  struct Freer {  // png_image_free is safe on an image already freed (by a failed call, say)
    png_image* image;
    ~Freer() { png_image_free(image); }
  } freer{&image};
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()))
    throw std::runtime_error(std::string("not a readable PNG: ") + image.message);
  check_dimensions(image.width, image.height, limits);
  image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  Image out;
  out.width = int(image.width);
  out.height = int(image.height);
  out.channels = channels;
  out.pixels.resize(size_t(image.width) * size_t(image.height) * size_t(channels));  // not PNG_IMAGE_SIZE: 32 bits
  if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr))
    throw std::runtime_error(std::string("corrupt PNG: ") + image.message);
  return out;
}

// libjpeg reports errors through a callback that must not return: it jumps back to decode_jpeg.
// Its warnings (premature end of data: a truncated file) count as errors too.
struct JpegError {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

inline void jpeg_fail(j_common_ptr info) {
  auto* error = reinterpret_cast<JpegError*>(info->err);
  (*info->err->format_message)(info, error->message);
  std::longjmp(error->jump, 1);
}

inline void jpeg_warn(j_common_ptr info, int level) {
  if (level < 0) jpeg_fail(info);  // a warning: corrupt or truncated data
}

// Runs decode(info, work) on a decompressor over `bytes` whose header is read, and returns
// `work`. libjpeg's errors and warnings become one std::runtime_error ("corrupt JPEG: ..."); the
// decompressor and `work` are freed on every path. `work` is held on the heap because no C++
// object with a destructor may live across libjpeg's longjmp: what decode makes (pixels, row
// pointers) goes in it, and decode's own locals stay trivial.
template <class Work, class Decode>
Work read_jpeg_with(const std::vector<uint8_t>& bytes, Decode&& decode) {
  jpeg_decompress_struct info;
  JpegError error;
  error.message[0] = 0;
  info.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = jpeg_fail;
  error.manager.emit_message = jpeg_warn;
  Work* work = new Work;
  if (setjmp(error.jump)) {
    jpeg_destroy_decompress(&info);
    delete work;
    throw std::runtime_error(std::string("corrupt JPEG: ") + error.message);
  }
  jpeg_create_decompress(&info);
  try {  // a C++ exception (a refused size, bad_alloc, a throwing callback) frees the decompressor too
    jpeg_mem_src(&info, bytes.data(), static_cast<unsigned long>(bytes.size()));
    jpeg_read_header(&info, TRUE);
    decode(info, *work);
  } catch (...) {
    jpeg_destroy_decompress(&info);
    delete work;
    throw;
  }
  jpeg_destroy_decompress(&info);
  Work result = std::move(*work);
  delete work;
  return result;
}

// read_jpeg_with, for an image whose width and height the header gives within `limits`.
template <class Work, class Decode>
Work decode_jpeg_with(const std::vector<uint8_t>& bytes, const DecodeLimits& limits, Decode&& decode) {
  return read_jpeg_with<Work>(bytes, [&](jpeg_decompress_struct& info, Work& work) {
    check_dimensions(info.image_width, info.image_height, limits);
    decode(info, work);
  });
}

// Reads the output rows from info.output_scanline up to `last_row` into `pixels`, `row_bytes`
// apart, through `rows` (pointers the caller keeps in its heap-held work), asking for all of them
// at once: asked for one at a time, libjpeg's two-row upsamplers decode into a spare row and copy it.
inline void read_rows(jpeg_decompress_struct& info, uint8_t* pixels, size_t row_bytes, JDIMENSION last_row,
                      std::vector<JSAMPROW>& rows) {
  const JDIMENSION first_row = info.output_scanline;
  rows.resize(size_t(last_row - first_row));
  for (size_t y = 0; y < rows.size(); ++y) rows[y] = pixels + y * row_bytes;
  while (info.output_scanline < last_row)
    if (jpeg_read_scanlines(&info, rows.data() + (info.output_scanline - first_row), last_row - info.output_scanline) ==
        0)
      throw std::runtime_error("corrupt JPEG: a row could not be read");
}

inline Image decode_jpeg(const std::vector<uint8_t>& bytes, int channels, const DecodeLimits& limits) {
  struct Work {
    Image image;
    std::vector<JSAMPROW> rows;
  };
  auto decode = [&](jpeg_decompress_struct& info, Work& work) {
    info.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&info);
    Image& out = work.image;
    out.width = int(info.output_width);
    out.height = int(info.output_height);
    out.channels = channels;
    const size_t row_bytes = size_t(out.width) * size_t(channels);
    out.pixels.resize(row_bytes * size_t(out.height));
    read_rows(info, out.pixels.data(), row_bytes, info.output_height, work.rows);
    jpeg_finish_decompress(&info);
  };
  return decode_jpeg_with<Work>(bytes, limits, decode).image;
}

}  // namespace detail

// An allocator that leaves new elements uninitialised: a decoder writes every byte of its buffer.
template <class T>
struct UninitialisedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitialisedAllocator<U>;
  };
  template <class U, class... Args>
  void construct(U* at, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      ::new (static_cast<void*>(at)) U;
    } else {
      ::new (static_cast<void*>(at)) U(std::forward<Args>(args)...);
    }
  }
};

// The part of a decoded image a window needs: pixel_bytes per pixel (1 grey; 4 for colour JPEGs,
// RGB and a padding byte; 3 for colour PNGs), and where the window lies in them.
struct DecodedWindow {
  std::vector<uint8_t, UninitialisedAllocator<uint8_t>> pixels;
  int width = 0, height = 0, pixel_bytes = 1;
  Window window;         // in these pixels' coordinates: scaled and shifted with them
  PixelBounds readable;  // the pixels the window covers: what a crop-then-resize may read

  PixelRows rows() const { return {pixels.data(), width, height, pixel_bytes}; }
};

namespace detail {

// What libjpeg-turbo can skip (jpeg_crop_scanline, jpeg_skip_scanlines, RGBX output) it has had
// since 1.5; another libjpeg decodes the whole image.
#if defined(LIBJPEG_TURBO_VERSION_NUMBER) && LIBJPEG_TURBO_VERSION_NUMBER >= 1005000
constexpr bool jpeg_can_skip = true;
#else
constexpr bool jpeg_can_skip = false;
#endif

// A baseline JPEG written with restart markers (`jpegtran -restart 1B` adds them without
// changing a pixel) is a sequence of pieces that decode independently: each restart interval of
// `interval` MCUs starts its entropy coding afresh. Where the intervals tile the image in
// rectangles — a whole number of them per MCU row, or of MCU rows per interval — a window's
// pieces can be put together into a smaller JPEG that decodes to the same pixels, and the entropy
// decoding of everything outside the window, which libjpeg cannot otherwise skip, is not done.
struct RestartPieces {
  size_t frame = 0;      // the frame header's marker (SOF0/SOF1)
  size_t scan_data = 0;  // the first byte of entropy-coded data
  size_t end = 0;        // the EOI marker
  int width = 0, height = 0, mcu_width = 8, mcu_height = 8, mcus_across = 0, mcus_down = 0, interval = 0;
  std::vector<size_t> starts;  // where each interval's data starts
};

inline int be16(const std::vector<uint8_t>& bytes, size_t at) { return (int(bytes[at]) << 8) | int(bytes[at + 1]); }

// The pieces of `bytes`, when it is a baseline (Huffman, 8-bit, sequential) JPEG of 1 or 3
// components in one scan, with restart intervals that tile it and every interval present and
// numbered in order; false for anything else (which the ordinary decode then reads, reporting
// what is wrong with it).
inline bool restart_pieces(const std::vector<uint8_t>& bytes, RestartPieces& out) {
  const size_t size = bytes.size();
  int components = 0, widest = 1, tallest = 1;
  bool frame = false;
  size_t at = 2;
  for (;;) {
    if (at + 4 > size || bytes[at] != 0xFF) return false;
    const int marker = bytes[at + 1];
    if (marker == 0xFF) {  // a fill byte
      ++at;
      continue;
    }
    const size_t length = size_t(be16(bytes, at + 2));
    if (length < 2 || at + 2 + length > size) return false;
    if (marker == 0xC0 || marker == 0xC1) {
      if (frame || length < 8) return false;
      frame = true;
      out.frame = at;
      out.height = be16(bytes, at + 5);
      out.width = be16(bytes, at + 7);
      components = bytes[at + 9];
      if (bytes[at + 4] != 8 || out.height == 0 || out.width == 0 || (components != 1 && components != 3) ||
          length != 8 + 3 * size_t(components))
        return false;
      for (int c = 0; c < components; ++c) {
        const int h = bytes[at + 11 + 3 * size_t(c)] >> 4, v = bytes[at + 11 + 3 * size_t(c)] & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4) return false;
        widest = std::max(widest, h);
        tallest = std::max(tallest, v);
      }
    } else if ((marker >= 0xC2 && marker <= 0xCF && marker != 0xC4) || marker == 0xD8 || marker == 0xD9 ||
               (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
      return false;  // progressive, lossless, arithmetic, hierarchical, or out of place
    } else if (marker == 0xDD) {
      if (length != 4) return false;
      out.interval = be16(bytes, at + 4);
    } else if (marker == 0xDA) {
      if (!frame || bytes[at + 4] != components) return false;  // one scan with every component
      out.scan_data = at + 2 + length;
      break;
    }
    at += 2 + length;
  }
  if (out.interval < 1) return false;
  // One component is coded block by block whatever its sampling; several, MCU by MCU.
  out.mcu_width = components == 1 ? 8 : 8 * widest;
  out.mcu_height = components == 1 ? 8 : 8 * tallest;
  out.mcus_across = (out.width + out.mcu_width - 1) / out.mcu_width;
  out.mcus_down = (out.height + out.mcu_height - 1) / out.mcu_height;
  const int64_t mcus = int64_t(out.mcus_across) * out.mcus_down;
  const int64_t intervals = (mcus + out.interval - 1) / out.interval;
  if (out.mcus_across % out.interval != 0 && out.interval % out.mcus_across != 0) return false;
  out.starts.clear();
  out.starts.push_back(out.scan_data);
  for (size_t j = out.scan_data;;) {
    const void* found = std::memchr(bytes.data() + j, 0xFF, size - j);
    if (!found) return false;
    j = size_t(static_cast<const uint8_t*>(found) - bytes.data());
    if (j + 1 >= size) return false;
    const int next = bytes[j + 1];
    if (next == 0x00 || next == 0xFF) {  // a stuffed 0xFF byte; a fill byte
      j += next == 0x00 ? 2 : 1;
    } else if (next >= 0xD0 && next <= 0xD7) {
      if (next - 0xD0 != int((out.starts.size() - 1) % 8) || int64_t(out.starts.size()) >= intervals) return false;
      out.starts.push_back(j + 2);
      j += 2;
    } else if (next == 0xD9) {
      out.end = j;
      break;
    } else {
      return false;  // another scan, a DNL: not one scan of restart intervals
    }
  }
  return int64_t(out.starts.size()) == intervals;
}

// The smallest JPEG made of `pieces`' intervals that holds the source pixels [needed.left,
// needed.right) x [needed.top, needed.bottom), and where its (0, 0) lies in the source image;
// empty when that is the whole image.
inline std::vector<uint8_t> restart_cut(const std::vector<uint8_t>& bytes, const RestartPieces& pieces,
                                        const PixelBounds& needed, int& left, int& top) {
  // Intervals side by side within an MCU row (columns_per_piece MCUs each), or whole rows each.
  const bool within_rows = pieces.mcus_across % pieces.interval == 0;
  const int columns_per_piece = within_rows ? pieces.interval : pieces.mcus_across;
  const int rows_per_piece = within_rows ? 1 : pieces.interval / pieces.mcus_across;
  const int pieces_across = pieces.mcus_across / columns_per_piece;
  const int pieces_down = (pieces.mcus_down + rows_per_piece - 1) / rows_per_piece;
  const int piece_width = columns_per_piece * pieces.mcu_width, piece_height = rows_per_piece * pieces.mcu_height;
  const int first_column = needed.left / piece_width, last_column = (needed.right + piece_width - 1) / piece_width;
  const int first_row = needed.top / piece_height, last_row = (needed.bottom + piece_height - 1) / piece_height;
  const int columns = std::min(last_column, pieces_across), rows = std::min(last_row, pieces_down);
  if (first_column == 0 && first_row == 0 && columns == pieces_across && rows == pieces_down) return {};
  left = first_column * piece_width;
  top = first_row * piece_height;
  const int width = std::min(pieces.width, columns * piece_width) - left;
  const int height = std::min(pieces.height, rows * piece_height) - top;
  std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + std::ptrdiff_t(pieces.scan_data));
  cut[pieces.frame + 5] = uint8_t(height >> 8);
  cut[pieces.frame + 6] = uint8_t(height & 0xFF);
  cut[pieces.frame + 7] = uint8_t(width >> 8);
  cut[pieces.frame + 8] = uint8_t(width & 0xFF);
  size_t written = 0;
  for (int row = first_row; row < rows; ++row)
    for (int column = first_column; column < columns; ++column) {
      const size_t k = size_t(row) * size_t(pieces_across) + size_t(column);
      const size_t from = pieces.starts[k], to = k + 1 < pieces.starts.size() ? pieces.starts[k + 1] - 2 : pieces.end;
      if (written > 0) {  // renumbered: restart markers count 0 to 7 in the order they come
        cut.push_back(0xFF);
        cut.push_back(uint8_t(0xD0 + (written - 1) % 8));
      }
      cut.insert(cut.end(), bytes.begin() + std::ptrdiff_t(from), bytes.begin() + std::ptrdiff_t(to));
      ++written;
    }
  cut.push_back(0xFF);
  cut.push_back(0xD9);
  return cut;
}

// Decodes the JPEG in `bytes` only as far as window = choose(width, height) needs (in the
// image's own pixels), for a resample to out_width x out_height: the smallest scale of 1/8, 1/4,
// 1/2 or 1 that leaves the window at least that size, done inside the inverse DCT; only the
// columns it covers (widened to the decoder's blocks); no row below it; the fast integer DCT and
// plain chroma upsampling. `exact`: the whole image at full size, with the accurate DCT and
// smooth chroma upsampling — the plain decode, for comparison.
template <class ChooseWindow>
DecodedWindow decode_jpeg_window_of(const std::vector<uint8_t>& bytes, int channels, const DecodeLimits& limits,
                                    ChooseWindow& choose, int out_width, int out_height, bool exact) {
  struct Work {
    DecodedWindow decoded;
    std::vector<JSAMPROW> rows;
  };
  auto decode = [&](jpeg_decompress_struct& info, Work& work) {
    DecodedWindow& out = work.decoded;
    const Window window = choose(int(info.image_width), int(info.image_height));
    int denominator = 1;
    if (!exact && jpeg_can_skip) {
      while (denominator < 8 && window.width / (2 * denominator) >= out_width &&
             window.height / (2 * denominator) >= out_height)
        denominator *= 2;
      info.scale_num = 1;
      info.scale_denom = unsigned(denominator);
      info.dct_method = JDCT_IFAST;
      info.do_fancy_upsampling = FALSE;
    }
    const int pixel_bytes = channels == 1 ? 1 : jpeg_can_skip ? 4 : 3;
#if defined(LIBJPEG_TURBO_VERSION_NUMBER) && LIBJPEG_TURBO_VERSION_NUMBER >= 1005000
    info.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_EXT_RGBX;
#else
    info.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
#endif
    jpeg_start_decompress(&info);
    const Window scaled{window.left / denominator, window.top / denominator, window.width / denominator,
                        window.height / denominator};
    const PixelBounds needed = covered_pixels(scaled, int(info.output_width), int(info.output_height));
    JDIMENSION first_column = 0, first_row = 0, last_row = info.output_height;
#if defined(LIBJPEG_TURBO_VERSION_NUMBER) && LIBJPEG_TURBO_VERSION_NUMBER >= 1005000
    if (!exact) {
      JDIMENSION width = JDIMENSION(needed.right - needed.left);
      first_column = JDIMENSION(needed.left);
      if (width < info.output_width) jpeg_crop_scanline(&info, &first_column, &width);  // widens to whole blocks
      first_row = JDIMENSION(needed.top);
      last_row = JDIMENSION(needed.bottom);
      if (first_row > 0 && jpeg_skip_scanlines(&info, first_row) != first_row)
        throw std::runtime_error("corrupt JPEG: fewer rows than its header claims");
    }
#endif
    out.width = int(info.output_width);
    out.height = int(last_row - first_row);
    out.pixel_bytes = pixel_bytes;
    const size_t row_bytes = size_t(out.width) * size_t(pixel_bytes);
    out.pixels.resize(row_bytes * size_t(out.height));
    read_rows(info, out.pixels.data(), row_bytes, last_row, work.rows);
    // Rows below the window are never decoded: abort rather than finish, which would want them.
    if (info.output_scanline < info.output_height) {
      jpeg_abort_decompress(&info);
    } else {
      jpeg_finish_decompress(&info);
    }
    out.window = {scaled.left - first_column, scaled.top - first_row, scaled.width, scaled.height};
    out.readable = {needed.left - int(first_column), needed.top - int(first_row), needed.right - int(first_column),
                    needed.bottom - int(first_row)};
  };
  return decode_jpeg_with<Work>(bytes, limits, decode).decoded;
}

// decode_jpeg_window_of, from a JPEG cut down to the window's restart intervals where the file has
// them (restart_cut): the same pixels, less entropy decoding.
template <class ChooseWindow>
DecodedWindow decode_jpeg_window(const std::vector<uint8_t>& bytes, int channels, const DecodeLimits& limits,
                                 ChooseWindow& choose, int out_width, int out_height, bool exact) {
  RestartPieces pieces;
  if (!exact && jpeg_can_skip && restart_pieces(bytes, pieces)) {
    // The window is chosen once, from the same width and height, whichever way it is decoded.
    check_dimensions(uint64_t(pieces.width), uint64_t(pieces.height), limits);
    const Window window = choose(pieces.width, pieces.height);
    int left = 0, top = 0;
    const std::vector<uint8_t> cut =
        restart_cut(bytes, pieces, covered_pixels(window, pieces.width, pieces.height), left, top);
    auto chosen = [&](int, int) { return Window{window.left - left, window.top - top, window.width, window.height}; };
    return decode_jpeg_window_of(cut.empty() ? bytes : cut, channels, limits, chosen, out_width, out_height, exact);
  }
  return decode_jpeg_window_of(bytes, channels, limits, choose, out_width, out_height, exact);
}

}  // namespace detail

// The part of the image in `path` that window = choose(width, height) needs (a callable taking
// the image's width and height, giving a Window in its pixels), for resampling it to
// out_width x out_height (forge/image_resample.hpp): a JPEG is decoded only as far as that needs
// (detail::decode_jpeg_window), unless `exact`; a PNG whole. The window is chosen from the header
// alone, so a random one (forge/image_ops.hpp's random_resized_window) is the same either way.
// Throws std::runtime_error as decode_image does.
template <class ChooseWindow>
DecodedWindow decode_window(const std::string& path, int channels, const DecodeLimits& limits, ChooseWindow&& choose,
                            int out_width, int out_height, bool exact = false) {
  std::vector<uint8_t> bytes = detail::read_image_file(path, limits);
  if (detail::format_of(bytes.data(), bytes.size()) == detail::Format::jpeg)
    return detail::decode_jpeg_window(bytes, channels, limits, choose, out_width, out_height, exact);
  Image image = detail::decode_png(bytes, channels, limits);
  DecodedWindow decoded;
  decoded.width = image.width;
  decoded.height = image.height;
  decoded.pixel_bytes = image.channels;
  decoded.window = choose(image.width, image.height);
  decoded.readable = covered_pixels(decoded.window, image.width, image.height);
  decoded.pixels.assign(image.pixels.begin(), image.pixels.end());
  return decoded;
}

// The channels a file's image has: 1 for grayscale, else 3 (colour is decoded as RGB; alpha is dropped).
inline int channels_of(const std::string& path, const DecodeLimits& limits) {
  std::vector<uint8_t> bytes = detail::read_image_file(path, limits);
  if (detail::format_of(bytes.data(), bytes.size()) == detail::Format::png) {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    const bool read = png_image_begin_read_from_memory(&image, bytes.data(), bytes.size());
    const int channels = (image.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
    png_image_free(&image);
    if (!read) throw std::runtime_error(std::string("not a readable PNG: ") + image.message);
    return channels;
  }
  // Gray JPEGs have one component; YCbCr and CMYK ones are colour. libjpeg reads the header, so the
  // frame found is the image's, not bytes that look like one in an embedded thumbnail or profile.
  struct Components {
    int count = 0;
  };
  auto count = [](jpeg_decompress_struct& info, Components& components) { components.count = info.num_components; };
  // Its size is not checked: a folder's first file beyond the limits is its own bad sample, not the folder's.
  return detail::read_jpeg_with<Components>(bytes, count).count == 1 ? 1 : 3;
}

// The image in `path` with `channels` channels (1: grayscale, 3: RGB), whatever it holds.
// Throws std::runtime_error saying what is wrong (unreadable, not an image, beyond `limits`,
// corrupt, truncated).
inline Image decode_image(const std::string& path, int channels, const DecodeLimits& limits) {
  std::vector<uint8_t> bytes = detail::read_image_file(path, limits);
  if (detail::format_of(bytes.data(), bytes.size()) == detail::Format::png)
    return detail::decode_png(bytes, channels, limits);
  return detail::decode_jpeg(bytes, channels, limits);
}

}  // namespace forge::images
