#include "app/world_share.hpp"

#include <forge/error.hpp>

namespace forge {

int64_t batch_share(const std::string& run_dir, int64_t saved_world, int64_t saved_batch_size, int64_t world_size) {
  const int64_t global = saved_world * saved_batch_size;
  if (world_size < 1 || global % world_size != 0)
    throw Error(ExitCode::usage, "run " + run_dir + " trains a global batch of " + std::to_string(global) + " (" +
                                     std::to_string(saved_world) + " process(es) x --batch_size " +
                                     std::to_string(saved_batch_size) + "), which " + std::to_string(world_size) +
                                     " processes cannot share evenly; resume it on a number of processes that "
                                     "divides " +
                                     std::to_string(global));
  return global / world_size;
}

}  // namespace forge
