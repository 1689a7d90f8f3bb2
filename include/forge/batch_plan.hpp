// How an epoch of a dataset is cut into batches, when the data plugin plans it: set a planner on
// the split, `data.datasets["train"].planner = forge::length_bucketed_batches(lengths)`.
// Without one, forge shuffles the split by --seed and the epoch and cuts the order into batches
// of --batch_size × processes (the last one shorter, or dropped with --drop_last).
//
// A plan is a function of its PlanContext alone — the seed, the epoch, the sizes — so a resumed
// run plans its epoch again and gets the same batches. Every epoch must have as many batches
// (the learning-rate schedule counts them); each batch is split between data-parallel
// processes as forge's own are. Streams are read in their own order and take no planner.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace forge {

struct PlanContext {
  std::string split;       // "train"
  int64_t epoch = 1;       // from 1
  int64_t samples = 0;     // in the split
  int64_t batch_size = 0;  // samples a step's mini-batch takes over all processes: --batch_size × processes
  int64_t seed = 0;        // the run's --seed

  // A generator of the epoch's own, seeded by the seed and the epoch alone (splitmix64).
  at::Generator generator() const {
    auto mix = [](uint64_t x) {
      x += 0x9e3779b97f4a7c15ull;
      x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
      x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
      return x ^ (x >> 31);
    };
    return torch::make_generator<at::CPUGeneratorImpl>(
        mix(mix(uint64_t(seed) ^ 0x62617463685f706cull) ^ uint64_t(epoch)));
  }
};

class BatchPlanner {
 public:
  virtual ~BatchPlanner() = default;
  // The epoch's batches in order: each the indices (int64, in [0, samples)) of the samples it takes.
  virtual std::vector<torch::Tensor> plan(const PlanContext& context) const = 0;
};

// `order` cut into batches of `batch_size`; the last one shorter, or left out when `drop_last`.
inline std::vector<torch::Tensor> cut_into_batches(const torch::Tensor& order, int64_t batch_size, bool drop_last) {
  std::vector<torch::Tensor> batches;
  const int64_t n = order.size(0);
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t end = std::min(n, start + batch_size);
    if (drop_last && end - start < batch_size) break;
    batches.push_back(order.slice(0, start, end));
  }
  return batches;
}

namespace detail {

template <class Plan>
class PlannerOf : public BatchPlanner {
 public:
  explicit PlannerOf(Plan plan) : plan_(std::move(plan)) {}
  std::vector<torch::Tensor> plan(const PlanContext& context) const override { return plan_(context); }

 private:
  Plan plan_;
};

template <class Plan>
std::shared_ptr<BatchPlanner> planner_of(Plan plan) {
  return std::make_shared<PlannerOf<Plan>>(std::move(plan));
}

}  // namespace detail

// The samples in their own order, every epoch alike (evaluation-like training, curricula).
inline std::shared_ptr<BatchPlanner> sequential_batches(bool drop_last = false) {
  return detail::planner_of([drop_last](const PlanContext& c) {
    return cut_into_batches(torch::arange(c.samples, torch::kInt64), c.batch_size, drop_last);
  });
}

// A fresh shuffle every epoch, from the plan's own generator.
inline std::shared_ptr<BatchPlanner> shuffled_batches(bool drop_last = false) {
  return detail::planner_of([drop_last](const PlanContext& c) {
    return cut_into_batches(torch::randperm(c.samples, c.generator(), torch::kInt64), c.batch_size, drop_last);
  });
}

// Batches of samples of similar length, so padding is small: the epoch is shuffled, each window
// of `window` batches' worth of samples is sorted by length (`lengths[i]`: sample i's), cut into
// batches, and the batches are shuffled. Throws std::invalid_argument when `lengths` does not
// have one length per sample.
inline std::shared_ptr<BatchPlanner> length_bucketed_batches(std::vector<int64_t> lengths, int64_t window = 50,
                                                             bool drop_last = false) {
  auto shared = std::make_shared<const std::vector<int64_t>>(std::move(lengths));
  return detail::planner_of([shared, window, drop_last](const PlanContext& c) {
    if (int64_t(shared->size()) != c.samples)
      throw std::invalid_argument("length_bucketed_batches has " + std::to_string(shared->size()) +
                                  " lengths for a split of " + std::to_string(c.samples) + " samples");
    at::Generator generator = c.generator();
    torch::Tensor order = torch::randperm(c.samples, generator, torch::kInt64);
    std::vector<int64_t> ids(order.data_ptr<int64_t>(), order.data_ptr<int64_t>() + c.samples);
    const int64_t span = std::max<int64_t>(1, window) * c.batch_size;
    for (int64_t start = 0; start < c.samples; start += span) {
      auto first = ids.begin() + start, last = ids.begin() + std::min(c.samples, start + span);
      std::stable_sort(first, last, [&](int64_t a, int64_t b) { return (*shared)[size_t(a)] < (*shared)[size_t(b)]; });
    }
    std::vector<torch::Tensor> batches = cut_into_batches(torch::tensor(ids, torch::kInt64), c.batch_size, drop_last);
    torch::Tensor shuffle = torch::randperm(int64_t(batches.size()), generator, torch::kInt64);
    const int64_t* next = shuffle.data_ptr<int64_t>();
    std::vector<torch::Tensor> shuffled;
    for (size_t i = 0; i < batches.size(); ++i) shuffled.push_back(batches[size_t(next[i])]);
    return shuffled;
  });
}

// Every class as often as every other: each of the epoch's `samples_per_epoch` draws (0: as
// many as the split has) picks a class uniformly, then one of its samples uniformly (with
// replacement). `labels[i]`: sample i's class. Throws std::invalid_argument when `labels` does
// not have one label per sample.
inline std::shared_ptr<BatchPlanner> class_balanced_batches(std::vector<int64_t> labels, int64_t samples_per_epoch = 0,
                                                            bool drop_last = false) {
  std::vector<int64_t> classes = labels;
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  std::vector<std::vector<int64_t>> members(classes.size());
  for (size_t i = 0; i < labels.size(); ++i)
    members[size_t(std::lower_bound(classes.begin(), classes.end(), labels[i]) - classes.begin())].push_back(
        int64_t(i));
  auto shared = std::make_shared<const std::vector<std::vector<int64_t>>>(std::move(members));
  const int64_t labelled = int64_t(labels.size());
  return detail::planner_of([shared, labelled, samples_per_epoch, drop_last](const PlanContext& c) {
    if (labelled != c.samples || shared->empty())
      throw std::invalid_argument("class_balanced_batches has " + std::to_string(labelled) + " labels for a split of " +
                                  std::to_string(c.samples) + " samples");
    const int64_t draws = samples_per_epoch > 0 ? samples_per_epoch : c.samples;
    at::Generator generator = c.generator();
    torch::Tensor which = torch::randint(int64_t(shared->size()), {draws}, generator, torch::kInt64);
    torch::Tensor pick = torch::rand({draws}, generator, torch::kFloat64);
    torch::Tensor order = torch::empty({draws}, torch::kInt64);
    const int64_t* cls = which.data_ptr<int64_t>();
    const double* at = pick.data_ptr<double>();
    int64_t* out = order.data_ptr<int64_t>();
    for (int64_t i = 0; i < draws; ++i) {
      const auto& members = (*shared)[size_t(cls[i])];
      out[i] = members[std::min(members.size() - 1, size_t(at[i] * double(members.size())))];
    }
    return cut_into_batches(order, c.batch_size, drop_last);
  });
}

}  // namespace forge
