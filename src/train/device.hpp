// The device a run trains on, from --device, and how batches reach it.
#pragma once

#include <forge/batch.hpp>

#include <torch/torch.h>

#include <string>

namespace forge {

// The device `text` names: cpu, cuda or cuda:N. Plain cuda is cuda:`local_rank` (the process's
// place on its node, LOCAL_RANK: 0 when training alone), so each data-parallel process on a
// node takes its own GPU, and a checkpoint's CUDA generator is looked up by index; without
// LOCAL_RANK, `local_rank` (then RANK) modulo the GPUs this machine has. Throws
// Error(ExitCode::usage) when it is malformed, or names CUDA and this libtorch or machine has
// none (or too few devices).
torch::Device parse_device(const std::string& text, int local_rank = 0);

// `batch`, a CPU tensor, on `device`: itself on the CPU; on a GPU copied through pinned memory
// without waiting, so the copy overlaps the work already queued on the GPU (the same stream
// orders it before the batch is used).
torch::Tensor to_device(const torch::Tensor& batch, torch::Device device);

// Every field of `batch` on `device`, as above.
Batch to_device(Batch batch, torch::Device device);

}  // namespace forge
