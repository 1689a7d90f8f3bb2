#include "train/device.hpp"

#include "plugins/build_config.hpp"

#include <forge/error.hpp>

#include <optional>

namespace forge {

torch::Device parse_device(const std::string& text) {
  std::optional<torch::Device> device;
  try {
    device = torch::Device(text);
  } catch (const c10::Error&) {
  }
  if (!device || !(device->is_cpu() || device->is_cuda()))
    throw Error(ExitCode::usage, "invalid value '" + text + "' for --device: expected cpu, cuda or cuda:N");
  if (!device->is_cuda()) return *device;
  if (!torch::cuda::is_available())
    throw Error(ExitCode::usage, "--device " + text + ": this libtorch (" + build_config().libtorch_version +
                                     ") or machine has no CUDA; use --device cpu");
  if (device->has_index() && device->index() >= int(torch::cuda::device_count()))
    throw Error(ExitCode::usage, "--device " + text + ": this machine has " +
                                     std::to_string(torch::cuda::device_count()) + " CUDA device(s)");
  return device->has_index() ? *device : torch::Device(torch::kCUDA, 0);
}

}  // namespace forge
