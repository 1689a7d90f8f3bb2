// One run trained by several processes (data-parallel): every rank holds the whole model and
// data, trains its own share of each global batch, and the gradients are averaged over the
// ranks before every optimizer step, so the ranks stay identical. Communication is c10d's Gloo
// process group (CPU, or GPU through the host) or NCCL's (GPUs: --dist_backend), with
// rendezvous through a c10d TCPStore served by rank 0 at
// MASTER_ADDR:MASTER_PORT: torchrun's conventions, so srun or any launcher that sets RANK,
// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT can start the processes too.
// libtorch's c10d types stay inside data_parallel.cpp.
#pragma once

#include <forge/collectives.hpp>

#include "core/flag_set.hpp"
#include "core/world_position.hpp"

#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace forge {

enum class CollectiveBackend { gloo, nccl };

// --dist_backend's `text` for a run on `device`: nccl or gloo, or auto (NCCL on a GPU when this
// libtorch has it, Gloo otherwise). Throws Error(ExitCode::usage) for another value, and for
// nccl on the CPU or with a libtorch built without NCCL.
CollectiveBackend choose_collective_backend(const std::string& text, torch::Device device);

class DataParallelGroup {
 public:
  // Joins the group: rank 0 serves the store; every rank waits for all within `timeout`, which
  // also bounds every later collective. With NCCL, `device` (a GPU) becomes this process's
  // current one. Throws Error(ExitCode::failure) saying who did not arrive.
  DataParallelGroup(const WorldPosition& world, std::chrono::milliseconds timeout,
                    CollectiveBackend backend = CollectiveBackend::gloo, torch::Device device = torch::kCPU);
  ~DataParallelGroup();
  DataParallelGroup(const DataParallelGroup&) = delete;
  DataParallelGroup& operator=(const DataParallelGroup&) = delete;

  int rank() const { return world_.rank; }
  int size() const { return world_.world_size; }

  // Makes every rank's tensors rank 0's.
  void broadcast(std::vector<torch::Tensor> tensors);
  // Sums `tensor` over the ranks, in place.
  void sum(torch::Tensor& tensor);
  // Rank 0's `value` on every rank (other ranks' `value` is ignored), through the store.
  std::string share_text(const std::string& key, const std::string& value);

 private:
  struct Impl;
  WorldPosition world_;
  std::unique_ptr<Impl> impl_;
};

// Joins the group of this run's processes when `world` has more than one, within
// --dist_timeout, over --dist_backend on --device (cuda: cuda:LOCAL_RANK); null otherwise. Ranks other than 0 then log
// warnings and errors only, prefixed with their rank, and take rank 0's --seed (which rank 0 draws first when it is
// -1).
std::shared_ptr<DataParallelGroup> join_data_parallel_group(const WorldPosition& world, Flags& flags);

// Makes every rank's model rank 0's (they start from the same seed; this makes sure).
void share_initial_model(DataParallelGroup* group, torch::nn::Module& model);

// Every rank's `part` in rank order, joined along the first dimension (shapes equal beyond it;
// lengths may differ), on `part`'s device; `offset`, when given, is where this rank's rows start.
// Exchanged on `device` (a GPU for NCCL). Every rank must call it. Not differentiable. Throws
// std::invalid_argument for a scalar.
torch::Tensor all_gather(DataParallelGroup& group, const torch::Tensor& part, torch::Device device,
                         int64_t* offset = nullptr);

// A model's view of the group (forge/collectives.hpp), exchanging on `device`.
std::shared_ptr<Collectives> group_collectives(DataParallelGroup& group, torch::Device device);

// Averages the gradients of `parameters` over the group (parameters without a gradient count as
// zero) and sums `values` over the group, all in one flattened all-reduce (one exchange a step:
// on a small model its latency, not its size, is what costs). The values travel in the
// gradients' type, single precision for float models. Returns the sums. Pass only what is
// trained: a frozen parameter given a zero gradient would be decayed by its optimizer.
std::vector<double> average_gradients(DataParallelGroup& group, const std::vector<torch::Tensor>& parameters,
                                      const std::vector<double>& values);

}  // namespace forge
