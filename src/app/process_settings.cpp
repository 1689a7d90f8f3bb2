#include "app/process_settings.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <cstdlib>
#include <random>

namespace forge {

int apply_process_settings(const Flags& flags) {
  if (flags.integer("threads") < 0) throw Error(ExitCode::usage, "--threads must not be negative");
  if (flags.integer("threads") > 0) torch::set_num_threads(int(flags.integer("threads")));
  at::globalContext().setFlushDenormal(flags.boolean("flush_denormal"));
  if (flags.integer("seed") < 0) throw Error(ExitCode::usage, "--seed must not be negative (-1 alone means: draw one)");
  // torch::manual_seed seeds the CPU generator and every CUDA device's; std::rand is seeded for
  // plugins that use it.
  torch::manual_seed(uint64_t(flags.integer("seed")));
  std::srand(unsigned(flags.integer("seed")));
  bool deterministic = flags.boolean("deterministic");
  at::globalContext().setDeterministicAlgorithms(deterministic, /*warn_only=*/false);
  if (deterministic) {
    at::globalContext().setDeterministicCuDNN(true);
    at::globalContext().setBenchmarkCuDNN(false);
    setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);  // what cuBLAS needs to be deterministic
  }
  return torch::get_num_threads();
}

bool draw_seed_if_unset(Flags& flags) {
  if (flags.integer("seed") != -1) return false;
  // Small enough to type back: 0 .. 2^31 - 1.
  std::random_device entropy;
  int64_t seed = std::uniform_int_distribution<int64_t>(0, (int64_t(1) << 31) - 1)(entropy);
  flags.set("seed", std::to_string(seed));
  spdlog::info("seed {} (drawn; repeat this run with --seed {})", seed, seed);
  return true;
}

}  // namespace forge
