#include "train/device.hpp"

#include "core/build_config.hpp"

#include <forge/error.hpp>

#include <cstdlib>
#include <optional>

namespace forge {

torch::Device parse_device(const std::string& text, int local_rank) {
  std::optional<torch::Device> device;
  try {
    device = torch::Device(text);
  } catch (const c10::Error&) {
  }
  if (!device || !(device->is_cpu() || device->is_cuda()))
    throw Error(ExitCode::usage, "invalid value '" + text + "' for --device: expected cpu, cuda or cuda:N");
  if (!device->is_cuda()) return *device;
  if (!torch::cuda::is_available())
    throw Error(ExitCode::usage, "--device " + text + ": this " +
                                     libtorch_text(build_config().libtorch_version, build_config().cuda_version) +
                                     " or this machine has no CUDA device; use --device cpu");
  const int count = int(torch::cuda::device_count());
  // Without LOCAL_RANK (Kubernetes' PyTorchJob sets RANK alone, a process per pod, each pod its
  // own GPUs) the rank picks among this machine's GPUs.
  const bool local_rank_given = std::getenv("LOCAL_RANK") && *std::getenv("LOCAL_RANK");
  const int index = device->has_index() ? device->index() : local_rank_given ? local_rank : local_rank % count;
  if (index >= count)
    throw Error(ExitCode::usage, "--device " + text + ": this machine has " + std::to_string(count) +
                                     " CUDA device(s)" +
                                     (device->has_index() ? ""
                                                          : ", and LOCAL_RANK " + std::to_string(local_rank) +
                                                                " takes cuda:" + std::to_string(local_rank)));
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

torch::Tensor to_device(const torch::Tensor& batch, torch::Device device) {
  if (device.is_cpu()) return batch;
  if (device.is_cuda()) return batch.pin_memory().to(device, /*non_blocking=*/true);
  return batch.to(device);
}

Batch to_device(Batch batch, torch::Device device) {
  if (device.is_cpu()) return batch;
  if (batch.inputs.defined()) batch.inputs = to_device(batch.inputs, device);
  if (batch.targets.defined()) batch.targets = to_device(batch.targets, device);
  for (auto& [name, field] : batch.fields) field = to_device(field, device);
  return batch;
}

}  // namespace forge
