#include "train/fused_adam.hpp"
#include "train/fused_rmsprop.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace forge {
namespace {

// Two identical parameter sets; the same gradients are fed to both optimizers.
struct Twin {
  std::vector<torch::Tensor> a, b;
  explicit Twin(int64_t large = 70000) {
    torch::manual_seed(2);
    for (auto shape : std::vector<std::vector<int64_t>>{{128, 784}, {128}, {10, 128}, {large}}) {
      torch::Tensor t = torch::randn(shape);
      a.push_back(t.clone().requires_grad_());
      b.push_back(t.clone().requires_grad_());
    }
  }
  // Gradients that shrink towards denormal territory, as late in training.
  void feed(int step) {
    for (size_t i = 0; i < a.size(); ++i) {
      torch::Tensor g = torch::randn(a[i].sizes()) * std::pow(0.5, step);
      a[i].mutable_grad() = g.clone();
      b[i].mutable_grad() = g.clone();
    }
  }
};

void expect_close(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(torch::allclose(a[i], b[i], /*rtol=*/1e-6, /*atol=*/1e-7))
        << "tensor " << i << ": largest difference " << (a[i] - b[i]).abs().max().item<double>();
}

// Moves `from`'s state into `into` through a serialised archive, as a checkpoint does.
void reload(const torch::optim::Optimizer& from, torch::optim::Optimizer& into) {
  std::stringstream saved;
  torch::serialize::OutputArchive out;
  from.save(out);
  out.save_to(saved);
  torch::serialize::InputArchive in;
  in.load_from(saved);
  into.load(in);
}

}  // namespace

TEST(FusedRMSprop, MatchesTorchOptimWithMomentumAndWeightDecay) {
  for (double momentum : {0.0, 0.9}) {
    Twin twin;
    auto options = torch::optim::RMSpropOptions(1e-3).momentum(momentum).weight_decay(1e-4);
    torch::optim::RMSprop reference(twin.a, options);
    FusedRMSprop fused(twin.b, options);
    for (int step = 0; step < 20; ++step) {
      twin.feed(step);
      reference.step();
      fused.step();
    }
    expect_close(twin.a, twin.b);
  }
}

TEST(FusedRMSprop, SavesAndLoadsTheSameStateAsTorchOptim) {
  Twin twin(10);
  auto options = torch::optim::RMSpropOptions(1e-2).momentum(0.9);
  FusedRMSprop fused(twin.b, options);
  torch::optim::RMSprop reference(twin.a, options);
  for (int step = 0; step < 3; ++step) {
    twin.feed(step);
    fused.step();
    reference.step();
  }
  // Fused state into a torch::optim optimizer (and back) continues as if never moved.
  torch::optim::RMSprop restored(twin.b, options);
  reload(fused, restored);
  twin.feed(3);
  reference.step();
  restored.step();
  expect_close(twin.a, twin.b);
}

TEST(FusedRMSprop, FallsBackForCenteredRMSprop) {
  Twin twin(10);
  auto options = torch::optim::RMSpropOptions(1e-3).centered(true);
  torch::optim::RMSprop reference(twin.a, options);
  FusedRMSprop fused(twin.b, options);
  twin.feed(0);
  reference.step();
  fused.step();
  for (size_t i = 0; i < twin.a.size(); ++i) EXPECT_TRUE(torch::equal(twin.a[i], twin.b[i]));
}

TEST(FusedAdam, MatchesTorchOptimWithAndWithoutWeightDecay) {
  for (double weight_decay : {0.0, 1e-2}) {
    Twin twin;
    auto options = torch::optim::AdamOptions(1e-3).weight_decay(weight_decay);
    torch::optim::Adam reference(twin.a, options);
    FusedAdam fused(twin.b, options);
    for (int step = 0; step < 20; ++step) {
      twin.feed(step);
      reference.step();
      fused.step();
    }
    expect_close(twin.a, twin.b);
  }
}

TEST(FusedAdam, SavesTheSameStateAsTorchOptimAndFallsBackForAmsgrad) {
  Twin twin(10);
  auto options = torch::optim::AdamOptions(1e-2);
  FusedAdam fused(twin.b, options);
  torch::optim::Adam reference(twin.a, options);
  for (int step = 0; step < 3; ++step) {
    twin.feed(step);
    fused.step();
    reference.step();
  }
  torch::optim::Adam restored(twin.b, options);
  reload(fused, restored);
  twin.feed(3);
  reference.step();
  restored.step();
  expect_close(twin.a, twin.b);

  Twin other(10);
  auto amsgrad = torch::optim::AdamOptions(1e-3).amsgrad(true);
  torch::optim::Adam plain(other.a, amsgrad);
  FusedAdam fallback(other.b, amsgrad);
  other.feed(0);
  plain.step();
  fallback.step();
  for (size_t i = 0; i < other.a.size(); ++i) EXPECT_TRUE(torch::equal(other.a[i], other.b[i]));
}

}  // namespace forge
