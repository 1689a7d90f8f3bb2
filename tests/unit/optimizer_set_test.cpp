#include "train/optimizer_set.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

#include <functional>

namespace forge {
namespace {

// A linear layer, a batch norm and a second linear layer; configure_optimizers is the test's.
class ThreeLayers : public Model {
 public:
  using Configure = std::function<std::vector<OptimizerSpec>(ThreeLayers&)>;

  explicit ThreeLayers(Configure configure = nullptr)
      : Model(std::make_shared<torch::nn::Module>(), nullptr), configure_(std::move(configure)) {
    first = module().register_module("first", torch::nn::Linear(3, 4));
    norm = module().register_module("norm", torch::nn::BatchNorm1d(4));
    last = module().register_module("last", torch::nn::Linear(4, 2));
  }
  std::vector<OptimizerSpec> configure_optimizers() override {
    return configure_ ? configure_(*this) : std::vector<OptimizerSpec>{};
  }

  torch::nn::Linear first{nullptr};
  torch::nn::BatchNorm1d norm{nullptr};
  torch::nn::Linear last{nullptr};

 private:
  Configure configure_;
};

OptimizerDefaults adamw_defaults(double weight_decay = 0.0, bool no_decay_bias_norm = false) {
  LrSchedule schedule;
  schedule.lr = 0.01;
  schedule.total_steps = 100;
  return {{"adamw", 0.01, 0.0, weight_decay}, schedule, no_decay_bias_norm};
}

double decay_of(const torch::optim::OptimizerParamGroup& group) {
  return static_cast<const torch::optim::AdamWOptions&>(group.options()).weight_decay();
}

std::string error_of(const std::function<void()>& make) {
  try {
    make();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

}  // namespace

TEST(OptimizerSet, ByDefaultOneOptimizerOverEveryTrainableParameterFrozenOnesLeftOut) {
  ThreeLayers model;
  for (auto& p : model.first->parameters()) p.set_requires_grad(false);
  OptimizerSet set = make_optimizer_set(model, adamw_defaults());
  ASSERT_EQ(set.all().size(), 1u);
  EXPECT_EQ(set.all()[0].name, "main");
  EXPECT_EQ(rate_metric(set.all()[0].name, set.all().size()), "lr");
  EXPECT_EQ(set.parameters().size(), 4u);  // norm weight and bias, last weight and bias
  for (const auto& p : set.parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(OptimizerSet, NoDecayBiasNormKeepsDecayOffBiasesAndNormWeightsOnly) {
  ThreeLayers model;
  OptimizerSet set = make_optimizer_set(model, adamw_defaults(0.1, true));
  auto& groups = set.all()[0].optimizer->param_groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(decay_of(groups[0]), 0.0);
  EXPECT_EQ(groups[0].params().size(), 4u);  // first.bias, norm.weight, norm.bias, last.bias
  for (const auto& p : groups[0].params()) EXPECT_EQ(p.dim(), 1);
  EXPECT_DOUBLE_EQ(decay_of(groups[1]), 0.1);
  ASSERT_EQ(groups[1].params().size(), 2u);
  EXPECT_TRUE(groups[1].params()[0].is_same(model.first->weight));
  EXPECT_TRUE(groups[1].params()[1].is_same(model.last->weight));
  // Without the flag: one group, decayed.
  OptimizerSet plain = make_optimizer_set(model, adamw_defaults(0.1, false));
  EXPECT_EQ(plain.all()[0].optimizer->param_groups().size(), 1u);
}

TEST(OptimizerSet, ConfiguredOptimizersHaveTheirGroupsRatesAndSchedules) {
  ThreeLayers model([](ThreeLayers& m) {
    OptimizerSpec body;
    body.name = "body";
    body.algorithm = "sgd";
    body.lr = 0.5;
    body.groups = {{m.first->parameters()}, {m.norm->parameters(), 1.5}};
    OptimizerSpec head;
    head.name = "head";
    head.lr_schedule = "cosine";
    head.groups = {{m.last->parameters(), std::nullopt, 0.25}};
    return std::vector<OptimizerSpec>{body, head};
  });
  OptimizerSet set = make_optimizer_set(model, adamw_defaults());
  ASSERT_EQ(set.all().size(), 2u);
  ScheduledOptimizer& body = set.named("body");
  EXPECT_EQ(rate_metric(body.name, set.all().size()), "lr_body");
  EXPECT_NE(dynamic_cast<torch::optim::SGD*>(body.optimizer.get()), nullptr);
  body.apply_rate();
  EXPECT_DOUBLE_EQ(body.optimizer->param_groups()[0].options().get_lr(), 0.5);
  EXPECT_DOUBLE_EQ(body.optimizer->param_groups()[1].options().get_lr(), 1.5);
  // The head follows its own cosine from --lr (0.01), its own step count deciding where.
  ScheduledOptimizer& head = set.named("head");
  EXPECT_DOUBLE_EQ(decay_of(head.optimizer->param_groups()[0]), 0.25);
  head.steps = 50;
  head.apply_rate();
  EXPECT_NEAR(head.optimizer->param_groups()[0].options().get_lr(), 0.005, 1e-12);
  EXPECT_NE(error_of([&] { set.named("generator"); }).find("declares: body, head"), std::string::npos);
}

TEST(OptimizerSet, AGroupsRateFollowsTheScheduleInProportion) {
  ThreeLayers model([](ThreeLayers& m) {
    OptimizerSpec spec;
    spec.groups = {{m.first->parameters()}, {m.last->parameters(), 0.02}};
    return std::vector<OptimizerSpec>{spec};
  });
  OptimizerDefaults defaults = adamw_defaults();
  defaults.schedule.kind = ScheduleKind::cosine;
  OptimizerSet set = make_optimizer_set(model, defaults);
  ScheduledOptimizer& only = set.all()[0];
  for (int64_t step : {0, 30, 99}) {
    only.steps = step;
    only.apply_rate();
    const double base = learning_rate(defaults.schedule, step);
    EXPECT_EQ(only.optimizer->param_groups()[0].options().get_lr(), base);  // bit for bit the schedule's
    EXPECT_NEAR(only.optimizer->param_groups()[1].options().get_lr(), 2 * base, 1e-15);
  }
}

TEST(OptimizerSet, BadConfigurationsAreOneLineUsageErrors) {
  auto with = [](ThreeLayers::Configure configure) {
    return [configure] {
      ThreeLayers model(configure);
      make_optimizer_set(model, adamw_defaults());
    };
  };
  EXPECT_NE(error_of(with([](ThreeLayers& m) {
              OptimizerSpec a, b;
              a.name = "a";
              b.name = "b";
              a.groups = {{m.first->parameters()}};
              b.groups = {{m.last->parameters()}, {{m.first->weight}}};
              return std::vector<OptimizerSpec>{a, b};
            })).find("parameter first.weight is in two parameter groups"),
            std::string::npos);
  EXPECT_NE(error_of(with([](ThreeLayers&) {
              OptimizerSpec spec;
              spec.groups = {{{torch::zeros({2}, torch::requires_grad())}}};
              return std::vector<OptimizerSpec>{spec};
            })).find("not one of the model's parameters"),
            std::string::npos);
  EXPECT_NE(error_of(with([](ThreeLayers&) { return std::vector<OptimizerSpec>(2); })).find("'main' twice"),
            std::string::npos);
  EXPECT_NE(error_of(with([](ThreeLayers&) {
              OptimizerSpec spec;
              spec.name = "my optimizer";
              return std::vector<OptimizerSpec>{spec};
            })).find("letters, digits"),
            std::string::npos);
  EXPECT_NE(error_of(with([](ThreeLayers& m) {
              for (auto& p : m.first->parameters()) p.set_requires_grad(false);
              OptimizerSpec spec;
              spec.groups = {{m.first->parameters()}};
              return std::vector<OptimizerSpec>{spec};
            })).find("no trainable parameter"),
            std::string::npos);
  EXPECT_NE(error_of(with([](ThreeLayers&) {
              OptimizerSpec spec;
              spec.algorithm = "adamm";
              return std::vector<OptimizerSpec>{spec};
            })).find("did you mean adam"),
            std::string::npos);
}

}  // namespace forge
