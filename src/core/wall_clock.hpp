// The time of day as the files forge writes keep it: seconds since the Unix epoch, to the
// microsecond (metrics.csv's wall_time, TensorBoard's events, MLflow's timestamps).
#pragma once

#include <chrono>

namespace forge {

inline double unix_time() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace forge
