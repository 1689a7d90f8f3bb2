#include "search/samplers.hpp"

#include "core/suggest.hpp"

#include <forge/error.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace forge {
namespace {

uint64_t mix(uint64_t x) {  // SplitMix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A stream of uniform numbers for one (seed, stream): portable, unlike <random>'s distributions.
class UnitStream {
 public:
  UnitStream(uint64_t seed, uint64_t stream) : seed_(seed), stream_(stream) {}
  double next() { return unit_random(seed_, stream_, counter_++); }
  double normal() {  // Box-Muller
    const double u = std::max(next(), 1e-300), v = next();
    return std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * v);
  }

 private:
  uint64_t seed_, stream_, counter_ = 0;
};

class RandomSampler : public Sampler {
 public:
  RandomSampler(size_t dimensions, uint64_t seed) : dimensions_(dimensions), seed_(seed) {}
  std::vector<double> sample(size_t index, const std::vector<Observation>&) override {
    UnitStream random(seed_, index);
    std::vector<double> point(dimensions_);
    for (auto& u : point) u = random.next();
    return point;
  }

 private:
  size_t dimensions_;
  uint64_t seed_;
};

// Halton's sequence (dimension d in base the d-th prime), from index 1, shifted modulo 1 by a
// seeded offset per dimension (a Cranley-Patterson rotation), so seeds give other, equally even
// point sets.
class HaltonSampler : public Sampler {
 public:
  HaltonSampler(size_t dimensions, uint64_t seed) : seed_(seed) {
    for (uint64_t candidate = 2; primes_.size() < dimensions; ++candidate) {
      bool prime = true;
      for (uint64_t p : primes_) prime = prime && candidate % p != 0;
      if (prime) primes_.push_back(candidate);
    }
  }
  std::vector<double> sample(size_t index, const std::vector<Observation>&) override {
    std::vector<double> point;
    for (size_t d = 0; d < primes_.size(); ++d) {
      double value = 0, scale = 1.0 / double(primes_[d]);
      for (uint64_t n = index + 1; n > 0; n /= primes_[d], scale /= double(primes_[d]))
        value += double(n % primes_[d]) * scale;
      point.push_back(std::fmod(value + unit_random(seed_, 1u << 20, d), 1.0));
    }
    return point;
  }

 private:
  std::vector<uint64_t> primes_;
  uint64_t seed_;
};

// Every combination of the dimensions' values, the last dimension varying fastest.
class GridSampler : public Sampler {
 public:
  explicit GridSampler(const std::vector<Dimension>& space) {
    for (const auto& d : space) {
      if (d.count() == 0)
        throw Error(ExitCode::usage, "the grid sampler needs dimensions of listed values; --" + d.flag + " " +
                                         d.text() + " is continuous (use choice:... or int:..., or another sampler)");
      counts_.push_back(d.count());
    }
  }
  std::vector<double> sample(size_t index, const std::vector<Observation>&) override {
    std::vector<double> point(counts_.size());
    for (size_t d = counts_.size(); d-- > 0;) {
      point[d] = (double(index % counts_[d]) + 0.5) / double(counts_[d]);
      index /= counts_[d];
    }
    return point;
  }
  size_t capacity() const override {
    return std::accumulate(counts_.begin(), counts_.end(), size_t(1), std::multiplies<size_t>());
  }

 private:
  std::vector<size_t> counts_;
};

// The Tree-structured Parzen Estimator (Bergstra et al. 2011) with Optuna's usual defaults: random
// until it is told of 10 trials; then those trials split into the good (the best
// min(ceil(0.1 n), 25)) and the rest, each dimension modelled on its own by a Parzen estimator
// over each group (truncated Gaussians in the unit interval, log-scaled dimensions already in
// log, bandwidths from the neighbours' distances, and a wide prior component; categories by
// counts plus a prior), and of 24 candidates drawn from the good model the one with the highest
// ratio good/bad taken.
class TpeSampler : public Sampler {
 public:
  TpeSampler(const std::vector<Dimension>& space, uint64_t seed) : space_(space), seed_(seed) {}

  std::vector<double> sample(size_t index, const std::vector<Observation>& finished) override {
    UnitStream random(seed_, index);
    std::vector<double> point(space_.size());
    if (finished.size() < startup_trials) {
      for (auto& u : point) u = random.next();
      return point;
    }
    std::vector<Observation> sorted = finished;
    std::stable_sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.rank < b.rank; });
    const size_t good = std::min<size_t>(size_t(std::ceil(0.1 * double(sorted.size()))), 25);
    for (size_t d = 0; d < space_.size(); ++d) {
      std::vector<double> below, above;
      for (size_t i = 0; i < sorted.size(); ++i) (i < good ? below : above).push_back(sorted[i].unit[d]);
      point[d] = space_[d].is_categorical() ? categorical(space_[d].count(), below, above, random)
                                            : continuous(below, above, random);
    }
    return point;
  }

 private:
  static constexpr size_t startup_trials = 10, candidates = 24;

  struct Parzen {
    std::vector<double> mu, sigma;  // the last component is the prior: centre 0.5, width 1
    explicit Parzen(std::vector<double> points) {
      std::sort(points.begin(), points.end());
      const double low = 1.0 / std::min(100.0, double(points.size()) + 1.0);
      for (size_t i = 0; i < points.size(); ++i) {
        const double left = i > 0 ? points[i] - points[i - 1] : points[i];
        const double right = i + 1 < points.size() ? points[i + 1] - points[i] : 1.0 - points[i];
        mu.push_back(points[i]);
        sigma.push_back(std::clamp(std::max(left, right), low, 1.0));
      }
      mu.push_back(0.5);
      sigma.push_back(1.0);
    }
    static double mass(double m, double s) {  // of N(m, s) inside [0, 1]
      return 0.5 * (std::erf((1 - m) / (s * M_SQRT2)) - std::erf((0 - m) / (s * M_SQRT2)));
    }
    double density(double x) const {
      double sum = 0;
      for (size_t i = 0; i < mu.size(); ++i) {
        const double z = (x - mu[i]) / sigma[i];
        sum += std::exp(-0.5 * z * z) / (sigma[i] * std::sqrt(2 * M_PI) * mass(mu[i], sigma[i]));
      }
      return sum / double(mu.size());
    }
    double draw(UnitStream& random) const {
      const size_t i = std::min(mu.size() - 1, size_t(random.next() * double(mu.size())));
      for (int attempt = 0; attempt < 100; ++attempt) {  // truncated to [0, 1) by rejection
        const double x = mu[i] + sigma[i] * random.normal();
        if (x >= 0 && x < 1) return x;
      }
      return std::clamp(mu[i], 0.0, std::nextafter(1.0, 0.0));
    }
  };

  static double continuous(const std::vector<double>& below, const std::vector<double>& above, UnitStream& random) {
    const Parzen good(below), bad(above);
    double best = 0.5, best_score = -INFINITY;
    for (size_t c = 0; c < candidates; ++c) {
      const double x = good.draw(random);
      const double score = std::log(good.density(x) + 1e-300) - std::log(bad.density(x) + 1e-300);
      if (score > best_score) best = x, best_score = score;
    }
    return best;
  }

  static double categorical(size_t count, const std::vector<double>& below, const std::vector<double>& above,
                            UnitStream& random) {
    auto weights = [&](const std::vector<double>& points) {
      std::vector<double> w(count, 1.0 / double(count));  // the prior
      for (double u : points) w[std::min(count - 1, size_t(u * double(count)))] += 1;
      const double total = std::accumulate(w.begin(), w.end(), 0.0);
      for (auto& x : w) x /= total;
      return w;
    };
    const std::vector<double> good = weights(below), bad = weights(above);
    size_t best = 0;
    double best_score = -INFINITY;
    for (size_t c = 0; c < candidates; ++c) {
      double r = random.next(), cumulative = 0;
      size_t k = 0;
      while (k + 1 < count && (cumulative += good[k]) <= r) ++k;
      const double score = std::log(good[k]) - std::log(bad[k]);
      if (score > best_score) best = k, best_score = score;
    }
    return (double(best) + 0.5) / double(count);
  }

  std::vector<Dimension> space_;
  uint64_t seed_;
};

}  // namespace

double unit_random(uint64_t seed, uint64_t stream, uint64_t counter) {
  const uint64_t bits = mix(mix(mix(seed) ^ stream) ^ counter);
  return double(bits >> 11) * 0x1.0p-53;
}

const std::vector<std::string>& sampler_names() {
  static const std::vector<std::string> names{"random", "halton", "tpe", "grid"};
  return names;
}

std::unique_ptr<Sampler> make_sampler(const std::string& name, const std::vector<Dimension>& space, uint64_t seed) {
  if (name == "random") return std::make_unique<RandomSampler>(space.size(), seed);
  if (name == "halton") return std::make_unique<HaltonSampler>(space.size(), seed);
  if (name == "tpe") return std::make_unique<TpeSampler>(space, seed);
  if (name == "grid") return std::make_unique<GridSampler>(space);
  const std::string guess = closest_name(name, sampler_names());
  throw Error(ExitCode::usage, "unknown sampler '" + name + "'" +
                                   (guess.empty() ? "" : "; did you mean " + guess + "?") +
                                   " (random, halton, tpe, grid)");
}

}  // namespace forge
