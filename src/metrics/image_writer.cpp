#include "metrics/image_writer.hpp"

#include "core/atomic_file.hpp"
#include "core/plain_name.hpp"
#include "core/png.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>

namespace forge {

void ImageWriter::write(int64_t epoch, const std::string& name, const torch::Tensor& image) const {
  const std::string what = "the model's epoch image '" + name + "'";
  if (!is_plain_name(name))
    throw Error(ExitCode::failure, what + " needs a name of at most 64 letters, digits, '_' and '-'");
  torch::Tensor pixels = image.detach().to(torch::kCPU, torch::kFloat32);
  if (pixels.dim() == 2) pixels = pixels.unsqueeze(0);
  if (pixels.dim() != 3 || !(pixels.size(0) == 1 || pixels.size(0) == 3 || pixels.size(0) == 4) || pixels.size(1) < 1 ||
      pixels.size(2) < 1)
    throw Error(ExitCode::failure, what + " has shape " + c10::str(image.sizes()) +
                                       "; draw [height, width] or [channels, height, width] with 1, 3 or 4 channels");
  // [C, H, W] in [0, 1] to rows of interleaved 8-bit channels.
  torch::Tensor bytes = torch::nan_to_num(pixels, 0.0).clamp(0, 1).mul(255).round().to(torch::kUInt8);
  bytes = bytes.permute({1, 2, 0}).contiguous();
  const std::string path = path_of_(name, epoch);
  try {
    boost::filesystem::create_directories(boost::filesystem::path(path).parent_path());
    write_file_atomically(path,
                          encode_png(bytes.data_ptr<uint8_t>(), bytes.size(1), bytes.size(0), int(bytes.size(2))));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ExitCode::failure, "cannot write " + path + ": " + e.what());
  }
}

}  // namespace forge
