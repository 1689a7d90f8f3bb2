#include "train/data_parallel.hpp"

#include "core/exception_text.hpp"
#include "core/hash.hpp"
#include "train/device.hpp"
#include "train/model_state.hpp"
#include "train/torch_compat.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
// A libtorch built with NCCL (the CUDA wheel's) says so in its compile definitions.
#ifdef USE_C10D_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>

namespace forge {
CollectiveBackend choose_collective_backend(const std::string& text, torch::Device device) {
#ifdef USE_C10D_NCCL
  constexpr bool has_nccl = true;
#else
  constexpr bool has_nccl = false;
#endif
  if (text == "gloo") return CollectiveBackend::gloo;
  if (text == "auto") return device.is_cuda() && has_nccl ? CollectiveBackend::nccl : CollectiveBackend::gloo;
  if (text != "nccl")
    throw Error(ExitCode::usage, "invalid value '" + text + "' for --dist_backend: expected auto, nccl or gloo");
  if (!has_nccl)
    throw Error(ExitCode::usage, "--dist_backend nccl: this libtorch was built without NCCL; use --dist_backend gloo");
  if (!device.is_cuda())
    throw Error(ExitCode::usage,
                "--dist_backend nccl: NCCL exchanges GPU tensors only; pass --device cuda, or use --dist_backend gloo");
  return CollectiveBackend::nccl;
}

// Gloo's or NCCL's process group; they share c10d's collective interface, which is all forge calls.
struct DataParallelGroup::Impl {
  c10::intrusive_ptr<c10d::TCPStore> server;
  c10::intrusive_ptr<c10d::PrefixStore> store;  // the run's keys, under the secret's prefix
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#ifdef USE_C10D_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif

  template <class Collective>
  void run(Collective collective) {
#ifdef USE_C10D_NCCL
    if (nccl) return collective(*nccl);
#endif
    collective(*gloo);
  }

  void join(const WorldPosition& world, std::chrono::milliseconds timeout, CollectiveBackend backend,
            torch::Device device, const std::string& bind) {
    auto group_store = c10::make_intrusive<c10d::PrefixStore>("group", store);
#ifdef USE_C10D_NCCL
    if (backend == CollectiveBackend::nccl) {
      c10::cuda::set_device(device.index());
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(group_store, world.rank, world.world_size, options);
      return;
    }
#else
    (void)backend, (void)device;
#endif
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(bind));
    gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(group_store, world.rank, world.world_size, options);
  }
};

DataParallelGroup::DataParallelGroup(const WorldPosition& world, std::chrono::milliseconds timeout,
                                     CollectiveBackend backend, torch::Device device)
    : world_(world), impl_(std::make_unique<Impl>()) {
  const std::string where = world.master_addr + ":" + std::to_string(world.master_port);
  const std::string bind = local_address_towards(world.master_addr, world.master_port);
  try {
    c10d::TCPStoreOptions options;
    options.port = uint16_t(world.master_port);
    // Rank 0 hosts the store, unless torchrun's agent does (then its attempt's keys are apart).
    options.isServer = world.rank == 0 && !world.agent_store;
    options.numWorkers = size_t(world.world_size);
    options.waitWorkers = !world.agent_store;
    options.timeout = timeout;
    compat::use_classic_store_server(options);
    impl_->server = c10::make_intrusive<c10d::TCPStore>(world.master_addr, options);
    c10::intrusive_ptr<c10d::Store> attempt_store = impl_->server;
    if (world.agent_store)
      attempt_store =
          c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(world.attempt), impl_->server);
    Hasher prefix;
    prefix.add("forge rendezvous").add(world.secret);
    impl_->store = c10::make_intrusive<c10d::PrefixStore>("forge/" + prefix.hex(), attempt_store);
    impl_->join(world, timeout, backend, device, bind);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ExitCode::failure, "data-parallel: rank " + std::to_string(world.rank) + " of " +
                                       std::to_string(world.world_size) + " could not join the others at " + where +
                                       " within " + std::to_string(timeout.count() / 1000) + " s (bound to " + bind +
                                       "): " + exception_text(e));
  }
}

DataParallelGroup::~DataParallelGroup() = default;

// c10d exchanges contiguous tensors: one laid out otherwise (--channels_last) goes through a copy.
void DataParallelGroup::broadcast(std::vector<torch::Tensor> tensors) {
  for (auto& tensor : tensors) {
    std::vector<torch::Tensor> one{tensor.contiguous()};
    impl_->run([&](auto& group) { group.broadcast(one)->wait(); });
    if (!one[0].is_same(tensor)) tensor.copy_(one[0]);
  }
}

void DataParallelGroup::sum(torch::Tensor& tensor) {
  std::vector<torch::Tensor> one{tensor.contiguous()};
  impl_->run([&](auto& group) { group.allreduce(one)->wait(); });
  if (!one[0].is_same(tensor)) tensor.copy_(one[0]);
}

std::string DataParallelGroup::share_text(const std::string& key, const std::string& value) {
  const std::string full = "text/" + key;
  if (world_.rank == 0) impl_->store->set(full, std::vector<uint8_t>(value.begin(), value.end()));
  std::vector<uint8_t> bytes = impl_->store->get(full);
  return std::string(bytes.begin(), bytes.end());
}

std::vector<double> average_gradients(DataParallelGroup& group, const std::vector<torch::Tensor>& parameters,
                                      const std::vector<double>& values) {
  std::vector<torch::Tensor> parts;
  std::vector<torch::Tensor> grads;
  for (auto p : parameters) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
    parts.push_back(p.grad().reshape(-1));
  }
  const auto options = grads.empty() ? torch::TensorOptions(torch::kFloat32) : grads.front().options();
  parts.push_back(torch::tensor(values, torch::kFloat64).to(options));
  torch::Tensor flat = torch::cat(parts);
  group.sum(flat);
  int64_t offset = 0;
  for (auto& g : grads) {
    g.copy_(flat.slice(0, offset, offset + g.numel()).view_as(g)).div_(double(group.size()));
    offset += g.numel();
  }
  torch::Tensor sums = flat.slice(0, offset).to(torch::kCPU, torch::kFloat64);
  return std::vector<double>(sums.data_ptr<double>(), sums.data_ptr<double>() + sums.numel());
}

std::shared_ptr<DataParallelGroup> join_data_parallel_group(const WorldPosition& world, Flags& flags) {
  const torch::Device device = parse_device(flags.text("device"), world.local_rank);
  const CollectiveBackend backend = choose_collective_backend(flags.text("dist_backend"), device);
  if (world.world_size == 1) return nullptr;
  if (flags.integer("dist_timeout") < 1) throw Error(ExitCode::usage, "--dist_timeout must be at least 1 (seconds)");
  if (world.rank != 0) {
    spdlog::set_level(spdlog::level::warn);
    spdlog::set_pattern("[rank " + std::to_string(world.rank) + "] %v");
  }
  auto group =
      std::make_shared<DataParallelGroup>(world, std::chrono::seconds(flags.integer("dist_timeout")), backend, device);
  flags.set("seed", group->share_text("seed", flags.text("seed")));
  spdlog::info("data-parallel: rank 0 of {}, rendezvous at {}:{}, {} on {}", world.world_size, world.master_addr,
               world.master_port, backend == CollectiveBackend::nccl ? "NCCL" : "Gloo", device.str());
  return group;
}

void share_initial_model(DataParallelGroup* group, torch::nn::Module& model) {
  if (!group) return;
  std::vector<torch::Tensor> state;
  for (const auto& [name, tensor] : named_state(model)) state.push_back(tensor.detach());
  group->broadcast(state);
}

torch::Tensor all_gather(DataParallelGroup& group, const torch::Tensor& part, torch::Device device, int64_t* offset) {
  if (part.dim() == 0) throw std::invalid_argument("a scalar cannot be gathered along its first dimension");
  // The sizes first, then the parts in one padded sum: each rank fills its own row, and adding
  // zeros changes no value.
  const int64_t world = group.size(), rank = group.rank();
  torch::Tensor sizes = torch::zeros({world}, torch::kFloat64);
  sizes[rank] = double(part.size(0));
  sizes = sizes.to(device);
  group.sum(sizes);
  sizes = sizes.to(torch::kCPU);
  if (offset) *offset = int64_t(sizes.slice(0, 0, rank).sum().item<double>());
  std::vector<int64_t> shape = part.sizes().vec();
  shape[0] = int64_t(sizes.max().item<double>());
  shape.insert(shape.begin(), world);
  torch::Tensor all = torch::zeros(shape, part.options().device(device));
  all[rank].slice(0, 0, part.size(0)).copy_(part.detach());
  group.sum(all);
  std::vector<torch::Tensor> parts;
  for (int64_t r = 0; r < world; ++r) parts.push_back(all[r].slice(0, 0, int64_t(sizes[r].item<double>())));
  return torch::cat(parts).to(part.device());
}

namespace {

// all_gather with a gradient: every rank's rows as the forward; backward, the gradients of the
// gathered rows summed over the ranks (each rank's loss used every rank's rows), of which each
// rank takes its own.
struct DifferentiableGather : torch::autograd::Function<DifferentiableGather> {
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& part,
                               DataParallelGroup* group, torch::Device device) {
    int64_t offset = 0;
    const torch::Tensor all = all_gather(*group, part, device, &offset);
    context->saved_data["group"] = reinterpret_cast<int64_t>(group);
    context->saved_data["device"] = device.str();
    context->saved_data["offset"] = offset;
    context->saved_data["rows"] = part.size(0);
    return all;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list gradients) {
    auto* group = reinterpret_cast<DataParallelGroup*>(context->saved_data["group"].toInt());
    const torch::Device device(context->saved_data["device"].toStringRef());
    const int64_t offset = context->saved_data["offset"].toInt(), rows = context->saved_data["rows"].toInt();
    torch::Tensor summed = gradients[0].contiguous().to(device).clone();
    group->sum(summed);
    return {summed.slice(0, offset, offset + rows).to(gradients[0].device()), torch::Tensor(), torch::Tensor()};
  }
};

class GroupCollectives : public Collectives {
 public:
  GroupCollectives(DataParallelGroup& group, torch::Device device) : group_(group), device_(device) {}
  int rank() const override { return group_.rank(); }
  int world_size() const override { return group_.size(); }
  torch::Tensor all_gather(const torch::Tensor& tensor) override {
    if (!tensor.requires_grad()) return forge::all_gather(group_, tensor, device_);
    return DifferentiableGather::apply(tensor, &group_, device_);
  }
  void all_reduce_sum(torch::Tensor& tensor) override {
    torch::Tensor summed = tensor.detach().to(device_).clone();
    group_.sum(summed);
    tensor.detach().copy_(summed);
  }

 private:
  DataParallelGroup& group_;
  torch::Device device_;
};

}  // namespace

std::shared_ptr<Collectives> group_collectives(DataParallelGroup& group, torch::Device device) {
  return std::make_shared<GroupCollectives>(group, device);
}

}  // namespace forge
