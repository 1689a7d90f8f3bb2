// Decoding one PNG or JPEG file into 8-bit pixels, with Debian's libpng and libjpeg-turbo:
// the images plugin's reader. The format is told by the file's first bytes, not its name.
#pragma once

#include <jpeglib.h>
#include <png.h>

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace images {

// Pixels row by row, each pixel's channels together (height x width x channels).
struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

namespace detail {

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open the file");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline Image decode_png(const std::vector<uint8_t>& bytes, int channels) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()))
    throw std::runtime_error(std::string("not a readable PNG: ") + image.message);
  image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  Image out;
  out.width = int(image.width);
  out.height = int(image.height);
  out.channels = channels;
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr)) {
    std::string message = image.message;
    png_image_free(&image);
    throw std::runtime_error("corrupt PNG: " + message);
  }
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

inline Image decode_jpeg(const std::vector<uint8_t>& bytes, int channels) {
  jpeg_decompress_struct info;
  JpegError error;
  error.message[0] = 0;
  info.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = jpeg_fail;
  error.manager.emit_message = jpeg_warn;
  Image* out = new Image;  // no C++ object with a destructor may live across the jump
  if (setjmp(error.jump)) {
    jpeg_destroy_decompress(&info);
    delete out;
    throw std::runtime_error(std::string("corrupt JPEG: ") + error.message);
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  info.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&info);
  out->width = int(info.output_width);
  out->height = int(info.output_height);
  out->channels = channels;
  out->pixels.resize(size_t(out->width) * size_t(out->height) * size_t(channels));
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = out->pixels.data() + size_t(info.output_scanline) * size_t(out->width) * size_t(channels);
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  Image result = std::move(*out);
  delete out;
  return result;
}

}  // namespace detail

// The channels a file's image has: 1 for grayscale, else 3 (colour is decoded as RGB; alpha is dropped).
inline int channels_of(const std::string& path) {
  std::vector<uint8_t> bytes = detail::read_bytes(path);
  if (bytes.size() >= 8 && png_sig_cmp(bytes.data(), 0, 8) == 0) {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()))
      throw std::runtime_error(std::string("not a readable PNG: ") + image.message);
    const int channels = (image.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
    png_image_free(&image);
    return channels;
  }
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) {
    // Gray JPEGs have one component; YCbCr and CMYK ones are colour.
    for (size_t i = 2; i + 9 < bytes.size(); ++i)
      if (bytes[i] == 0xFF && (bytes[i + 1] == 0xC0 || bytes[i + 1] == 0xC1 || bytes[i + 1] == 0xC2))
        return bytes[i + 9] == 1 ? 1 : 3;
    throw std::runtime_error("corrupt JPEG: no frame header");
  }
  throw std::runtime_error("not a PNG or JPEG image");
}

// The image in `path` with `channels` channels (1: grayscale, 3: RGB), whatever it holds.
// Throws std::runtime_error saying what is wrong (unreadable, not an image, corrupt, truncated).
inline Image decode_image(const std::string& path, int channels) {
  std::vector<uint8_t> bytes = detail::read_bytes(path);
  if (bytes.size() >= 8 && png_sig_cmp(bytes.data(), 0, 8) == 0) return detail::decode_png(bytes, channels);
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
    return detail::decode_jpeg(bytes, channels);
  throw std::runtime_error(bytes.empty() ? "an empty file, not an image" : "not a PNG or JPEG image");
}

}  // namespace images
