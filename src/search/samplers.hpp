// Where a search's trials are placed in its space's unit cube (search/search_space.hpp): random,
// quasi-random (Halton), a grid, and the Tree-structured Parzen Estimator. Each is deterministic
// in its seed, the trial's index and what it is told of earlier trials, never in time: a search
// that is stopped and launched again asks them the same questions and gets the same answers.
#pragma once

#include "search/search_space.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace forge {

// An earlier trial as a sampler sees it: its point, and its rank among the trials it is told of
// (0 the best; trials that reached a higher rung rank before the others).
struct Observation {
  std::vector<double> unit;
  double rank = 0;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  // The unit-cube point of trial `index` (0, 1, ...), given the trials finished so far.
  virtual std::vector<double> sample(size_t index, const std::vector<Observation>& finished) = 0;
  // How many trials it can place (a grid's size); 0: no limit.
  virtual size_t capacity() const { return 0; }
};

// Sampler names, for --help and errors.
const std::vector<std::string>& sampler_names();

// `name` over `space`, seeded by `seed`. Throws Error(ExitCode::usage) for an unknown name, or a
// grid over a continuous dimension.
std::unique_ptr<Sampler> make_sampler(const std::string& name, const std::vector<Dimension>& space, uint64_t seed);

// A uniform number in [0, 1) that depends only on its three arguments (SplitMix64 mixing).
double unit_random(uint64_t seed, uint64_t stream, uint64_t counter);

}  // namespace forge
