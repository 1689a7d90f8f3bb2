// What differs between the libtorch versions forge builds against (Debian 12's 1.13, Debian
// 13's 2.6, the PyPI wheel's current 2.x), in one place: the rest of forge calls these and
// holds no version test of its own.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <sstream>
#include <string>
#include <type_traits>

namespace forge::compat {

// The key under which torch::optim keeps a parameter's state: libtorch 1.x uses the
// TensorImpl's address as text (as c10::guts::to_string, gone in 2.x, printed it), 2.x the
// address itself.
template <class StateMap>
auto optimizer_state_key(const StateMap&, const torch::Tensor& parameter) {
  using Key = typename StateMap::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;
    text << static_cast<const void*>(parameter.unsafeGetTensorImpl());
    return text.str();
  } else {
    return static_cast<Key>(parameter.unsafeGetTensorImpl());
  }
}

// Whether this libtorch restores the optimizer state of a format-1 checkpoint (a torch archive
// of forge 0.1, written by libtorch 1.x): 2.x keys optimizer state differently, and training on
// from such a state crashes inside libtorch. Its model still loads (eval, export).
inline constexpr bool restores_format1_optimizer_state = TORCH_VERSION_MAJOR < 2;

// The rendezvous store's server: from 2.4 libtorch's TCPStore asks for libuv by default, which
// builds without it (Debian 13's) refuse at run time; the classic server serves forge's few
// keys as well. (A template: c10d's header stays out of the files that need only the above.)
template <class TCPStoreOptions>
void use_classic_store_server(TCPStoreOptions& options) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  options.useLibUV = false;
#else
  (void)options;
#endif
}

// Turns autocast (mixed precision) on or off for a device type, computing in `dtype`: 2.4 gave
// every device type one call, where 1.x had one for the CPU and one for CUDA.
inline void set_autocast(c10::DeviceType type, bool enabled, at::ScalarType dtype) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_enabled(type, enabled);
  at::autocast::set_autocast_dtype(type, dtype);
#else
  if (type == c10::DeviceType::CPU) {
    at::autocast::set_cpu_enabled(enabled);
    at::autocast::set_autocast_cpu_dtype(dtype);
  } else {
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
  }
#endif
}

}  // namespace forge::compat
