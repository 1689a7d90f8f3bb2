#include "train/checkpoint.hpp"
#include "train/builtin_callbacks.hpp"

#include "core/atomic_file.hpp"
#include "test_support.hpp"
#include "train/optimizer_state_key.hpp"
#include "train/torch_compat.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>
#include <boost/crc.hpp>
#include <boost/filesystem.hpp>

#include <cmath>

namespace forge {
namespace {

struct Fixture {
  torch::nn::Linear net{4, 3};
  torch::optim::Adam optimizer{net->parameters(), torch::optim::AdamOptions(0.01)};

  void train_a_step() {
    optimizer.zero_grad();
    net->forward(torch::randn({2, 4})).sum().backward();
    optimizer.step();
  }
};

// A checkpoint in forge 0.1's format (runs/checkpoint_frame.hpp) around `payload`.
void write_format1_checkpoint(const std::string& path, const std::string& payload) {
  boost::crc_32_type crc;
  crc.process_bytes(payload.data(), payload.size());
  std::string file = "FORGECKPT1\n";
  for (int i = 0; i < 8; ++i) file.push_back(char((uint64_t(payload.size()) >> (8 * i)) & 0xff));
  for (int i = 0; i < 4; ++i) file.push_back(char((crc.checksum() >> (8 * i)) & 0xff));
  boost::filesystem::create_directories(boost::filesystem::path(path).parent_path());
  write_file_atomically(path, file + payload);
}

ExitCode load_error(const std::string& path) {
  Fixture f;
  try {
    load_checkpoint(path, *f.net, &f.optimizer);
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

}  // namespace

TEST(Checkpoint, RoundTripsModelOptimizerRngAndPosition) {
  testing::TempDir dir;
  torch::manual_seed(1);
  Fixture saved;
  saved.train_a_step();
  saved.optimizer.param_groups()[0].options().set_lr(0.5);
  TrainingPosition position{2, 3, 17, {{"loss", 1.5}}, 3};
  save_checkpoint(checkpoint_path(dir.path(), 17), *saved.net, saved.optimizer, position);
  torch::Tensor next_draw = torch::rand({3});

  torch::manual_seed(99);
  Fixture loaded;
  TrainingPosition got = load_checkpoint(checkpoint_path(dir.path(), 17), *loaded.net, &loaded.optimizer);
  EXPECT_EQ(got.epoch, 2);
  EXPECT_EQ(got.batch, 3);
  EXPECT_EQ(got.step, 17);
  EXPECT_EQ(got.epoch_batches, 3);
  EXPECT_DOUBLE_EQ(got.epoch_sums["loss"], 1.5);
  EXPECT_EQ(read_checkpoint_position(checkpoint_path(dir.path(), 17)).step, 17);
  EXPECT_TRUE(torch::equal(loaded.net->weight, saved.net->weight));
  EXPECT_DOUBLE_EQ(loaded.optimizer.param_groups()[0].options().get_lr(), 0.5);
  EXPECT_TRUE(torch::equal(torch::rand({3}), next_draw)) << "generator state not restored";
  // Optimizer state continues identically.
  torch::manual_seed(5);
  saved.train_a_step();
  torch::manual_seed(5);
  loaded.train_a_step();
  EXPECT_TRUE(torch::equal(loaded.net->weight, saved.net->weight));
}

TEST(Checkpoint, ListsByStep) {
  testing::TempDir dir;
  Fixture f;
  for (int64_t step : {20, 3, 100}) save_checkpoint(checkpoint_path(dir.path(), step), *f.net, f.optimizer, {});
  testing::write_text(dir / "checkpoints/notes.txt", "");
  EXPECT_EQ(list_checkpoints(dir.path()), (std::vector<int64_t>{3, 20, 100}));
}

TEST(Checkpoint, DetectsMissingTruncatedAndCorruptFiles) {
  testing::TempDir dir;
  Fixture f;
  std::string path = checkpoint_path(dir.path(), 1);
  save_checkpoint(path, *f.net, f.optimizer, {});
  std::string good = read_file(path);
  EXPECT_EQ(load_error(dir / "checkpoints/none.ckpt"), ExitCode::run);
  write_file_atomically(path, good.substr(0, good.size() / 2));
  EXPECT_EQ(load_error(path), ExitCode::run);
  std::string flipped = good;
  flipped[flipped.size() - 10] ^= 0x40;
  write_file_atomically(path, flipped);
  EXPECT_EQ(load_error(path), ExitCode::run);
  write_file_atomically(path, "garbage");
  EXPECT_EQ(load_error(path), ExitCode::run);
  write_file_atomically(path, good);
  EXPECT_EQ(load_error(path), ExitCode::ok);
}

// An intact frame around an archive libtorch's importer rejects with its own exception type
// (torch::jit::ErrorReport, not c10::Error): found by checkpoint_fuzz, it ended forge with
// std::terminate.
TEST(Checkpoint, ArchiveTheImporterRejectsIsARunError) {
  testing::TempDir dir;
  const std::string path = checkpoint_path(dir.path(), 1);
  write_format1_checkpoint(path, read_file(testing::source_dir() + "/tests/data/checkpoints/unknown_type.payload"));
  EXPECT_EQ(load_error(path), ExitCode::run);
  EXPECT_THROW(read_checkpoint_position(path), Error);
}

TEST(Checkpoint, ModelOfAnotherShapeIsARunError) {
  testing::TempDir dir;
  Fixture f;
  save_checkpoint(checkpoint_path(dir.path(), 1), *f.net, f.optimizer, {});
  torch::nn::Linear other(5, 3);
  EXPECT_THROW(load_checkpoint(checkpoint_path(dir.path(), 1), *other, nullptr), Error);
}

}  // namespace forge

namespace forge {
namespace {

// Two linear layers registered in the order asked for: same names, another position.
struct TwoLayers : torch::nn::Module {
  explicit TwoLayers(bool a_first) {
    if (a_first) {
      a = register_module("a", torch::nn::Linear(2, 2));
      b = register_module("b", torch::nn::Linear(2, 2));
    } else {
      b = register_module("b", torch::nn::Linear(2, 2));
      a = register_module("a", torch::nn::Linear(2, 2));
    }
  }
  torch::nn::Linear a{nullptr}, b{nullptr};
};

}  // namespace

TEST(Checkpoint, ParametersRegisteredInAnotherOrderAreRefusedForTheOptimizer) {
  testing::TempDir dir;
  auto saved = std::make_shared<TwoLayers>(true);
  torch::optim::Adam saved_optimizer(saved->parameters(), torch::optim::AdamOptions(0.1));
  save_checkpoint(checkpoint_path(dir.path(), 1), *saved, saved_optimizer, {});

  auto reordered = std::make_shared<TwoLayers>(false);
  torch::optim::Adam optimizer(reordered->parameters(), torch::optim::AdamOptions(0.1));
  try {
    load_checkpoint(checkpoint_path(dir.path(), 1), *reordered, &optimizer);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::run);
    EXPECT_NE(std::string(e.what()).find("another order"), std::string::npos);
  }
  // Without an optimizer (eval) parameters are matched by name, and that is fine.
  EXPECT_NO_THROW(load_checkpoint(checkpoint_path(dir.path(), 1), *reordered, nullptr));
  EXPECT_TRUE(torch::equal(reordered->a->weight, saved->a->weight));
}

}  // namespace forge

namespace forge {
namespace {

// Trains `net` one step with `optimizer` on data drawn from `seed`, with a closure (LBFGS needs one).
void one_step(torch::nn::Linear& net, torch::optim::Optimizer& optimizer, uint64_t seed) {
  torch::manual_seed(seed);
  torch::Tensor x = torch::randn({8, 4});
  optimizer.step([&] {
    optimizer.zero_grad();
    torch::Tensor loss = net->forward(x).pow(2).mean();
    loss.backward();
    return loss;
  });
}

// An optimizer of a kind forge's checkpoint does not know field by field (what a plugin may bring
// one day): signSGD that steps further while the gradient's sign holds. Its state goes through
// its own save() and load().
struct SignState : torch::optim::OptimizerCloneableParamState<SignState> {
  TORCH_ARG(torch::Tensor, last_sign);

 public:
  void serialize(torch::serialize::OutputArchive& archive) const override { archive.write("last_sign", last_sign()); }
  void serialize(torch::serialize::InputArchive& archive) override {
    torch::Tensor sign;
    archive.read("last_sign", sign);
    last_sign(sign);
  }
};

struct SignOptions : torch::optim::OptimizerCloneableOptions<SignOptions> {
  SignOptions(double lr) : lr_(lr) {}  // NOLINT: torch::optim's serialize makes SignOptions(0)
  TORCH_ARG(double, lr);

 public:
  double get_lr() const override { return lr(); }
  void set_lr(double lr) override { this->lr(lr); }
  void serialize(torch::serialize::OutputArchive& archive) const override {
    archive.write("lr", torch::tensor(lr(), torch::kFloat64));
  }
  void serialize(torch::serialize::InputArchive& archive) override {
    torch::Tensor lr;
    archive.read("lr", lr);
    this->lr(lr.item<double>());
  }
};

class SignDescent : public torch::optim::Optimizer {
 public:
  SignDescent(std::vector<torch::Tensor> params, SignOptions options)
      : Optimizer({torch::optim::OptimizerParamGroup(std::move(params))}, std::make_unique<SignOptions>(options)) {}
  torch::Tensor step(LossClosure closure) override {
    torch::NoGradGuard no_grad;
    torch::Tensor loss = run_closure(closure);
    for (auto& group : param_groups())
      for (auto& p : group.params()) {
        auto& state = parameter_state<SignState>(state_, p, [&] {
          auto fresh = std::make_unique<SignState>();
          fresh->last_sign(torch::zeros_like(p));
          return fresh;
        });
        torch::Tensor sign = p.grad().sign();
        p.sub_(sign * (1 + 0.5 * (sign == state.last_sign()).to(p.scalar_type())), group.options().get_lr());
        state.last_sign(sign);
      }
    return loss;
  }
  void save(torch::serialize::OutputArchive& archive) const override {
    torch::optim::serialize<SignState, SignOptions>(archive, *this);
  }
  void load(torch::serialize::InputArchive& archive) override {
    torch::optim::serialize<SignState, SignOptions>(archive, *this);
  }
};

using MakeOptimizer = std::function<std::unique_ptr<torch::optim::Optimizer>(torch::nn::Linear&)>;

// After two steps, save; a fresh net and optimizer load it; one more step on each gives the
// same weights only when the optimizer's state came back whole.
void expect_optimizer_state_round_trips(const MakeOptimizer& make) {
  testing::TempDir dir;
  torch::manual_seed(3);
  torch::nn::Linear saved(4, 3);
  auto saved_optimizer = make(saved);
  one_step(saved, *saved_optimizer, 1);
  one_step(saved, *saved_optimizer, 2);
  save_checkpoint(checkpoint_path(dir.path(), 2), *saved, *saved_optimizer, {});
  torch::manual_seed(4);
  torch::nn::Linear loaded(4, 3);
  auto loaded_optimizer = make(loaded);
  load_checkpoint(checkpoint_path(dir.path(), 2), *loaded, loaded_optimizer.get());
  one_step(saved, *saved_optimizer, 3);
  one_step(loaded, *loaded_optimizer, 3);
  EXPECT_TRUE(torch::equal(saved->weight, loaded->weight));
  EXPECT_TRUE(torch::equal(saved->bias, loaded->bias));
}

}  // namespace

TEST(Checkpoint, EveryOptimizersStateRoundTrips) {
  using namespace torch::optim;
  auto params = [](torch::nn::Linear& net) { return net->parameters(); };
  SCOPED_TRACE("sgd with momentum");
  expect_optimizer_state_round_trips(
      [&](auto& net) { return std::make_unique<SGD>(params(net), SGDOptions(0.1).momentum(0.9)); });
  SCOPED_TRACE("adam, amsgrad");
  expect_optimizer_state_round_trips(
      [&](auto& net) { return std::make_unique<Adam>(params(net), AdamOptions(0.01).amsgrad(true)); });
  SCOPED_TRACE("adamw");
  expect_optimizer_state_round_trips(
      [&](auto& net) { return std::make_unique<AdamW>(params(net), AdamWOptions(0.01)); });
  SCOPED_TRACE("rmsprop, centered, with momentum");
  expect_optimizer_state_round_trips([&](auto& net) {
    return std::make_unique<RMSprop>(params(net), RMSpropOptions(0.01).centered(true).momentum(0.5));
  });
  SCOPED_TRACE("adagrad");
  expect_optimizer_state_round_trips(
      [&](auto& net) { return std::make_unique<Adagrad>(params(net), AdagradOptions(0.1)); });
  SCOPED_TRACE("a kind written whole through its own save()");
  expect_optimizer_state_round_trips([&](auto& net) { return std::make_unique<SignDescent>(params(net), 0.01); });
  // (LBFGS would be another, but libtorch 1.13 cannot save its state after a step.)
}

TEST(Checkpoint, AnotherOptimizerKindIsARunError) {
  testing::TempDir dir;
  Fixture f;
  f.train_a_step();
  save_checkpoint(checkpoint_path(dir.path(), 1), *f.net, f.optimizer, {});
  torch::optim::SGD sgd(f.net->parameters(), torch::optim::SGDOptions(0.1));
  try {
    load_checkpoint(checkpoint_path(dir.path(), 1), *f.net, &sgd);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::run);
    EXPECT_NE(std::string(e.what()).find("adam's"), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, NonFiniteRunningSumsAndGoalsRoundTrip) {
  testing::TempDir dir;
  Fixture f;
  TrainingPosition position;
  position.epoch_sums = {{"loss", std::nan("")}, {"big", INFINITY}};
  position.log_sums = {{"loss", -INFINITY}};
  save_checkpoint(checkpoint_path(dir.path(), 1), *f.net, f.optimizer, position);
  TrainingPosition got = read_checkpoint_position(checkpoint_path(dir.path(), 1));
  EXPECT_TRUE(std::isnan(got.epoch_sums["loss"]));
  EXPECT_EQ(got.epoch_sums["big"], INFINITY);
  EXPECT_EQ(got.log_sums["loss"], -INFINITY);
}

// Each callback's state comes back under its name: tensors bit for bit, numbers exactly (NaN
// and infinities too), texts as they were.
TEST(Checkpoint, CallbackStatesRoundTripByName) {
  testing::TempDir dir;
  Fixture f;
  CheckpointSubject subject(*f.net, f.optimizer);
  subject.callbacks[keep_best_callback] = goal_callback_state({"valid/loss:min", 3, INFINITY, 2});
  CallbackState& own = subject.callbacks["smoothed-loss"];
  own.tensors = {{"queue", torch::arange(6, torch::kFloat64).reshape({2, 3})}, {"a.b", torch::ones({1})}};
  own.numbers = {{"value", 0.1 + 0.2}, {"nan", std::nan("")}, {"low", -INFINITY}};
  own.texts = {{"phase", "warm \"up\"\n"}};
  const std::string path = checkpoint_path(dir.path(), 4);
  write_checkpoint(path, capture_checkpoint_state(subject, {}));

  Fixture loaded;
  CheckpointSubject into(*loaded.net, loaded.optimizer);
  TrainingStart start = restore_training(read_checkpoint_file(path), path, into);
  EXPECT_TRUE(start.resumed);
  ASSERT_EQ(start.callbacks.size(), 2u);
  const GoalState best = goal_state_of(start.callbacks.at(keep_best_callback));
  EXPECT_EQ(best.watched, "valid/loss:min");
  EXPECT_EQ(best.best_step, 3);
  EXPECT_EQ(best.best_value, INFINITY);
  EXPECT_EQ(best.stale, 2);
  const CallbackState& got = start.callbacks.at("smoothed-loss");
  EXPECT_TRUE(got.tensors.at("queue").equal(own.tensors.at("queue")));
  EXPECT_TRUE(got.tensors.at("a.b").equal(torch::ones({1})));
  EXPECT_EQ(got.numbers.at("value"), 0.1 + 0.2);
  EXPECT_TRUE(std::isnan(got.numbers.at("nan")));
  EXPECT_EQ(got.numbers.at("low"), -INFINITY);
  EXPECT_EQ(got.texts.at("phase"), own.texts.at("phase"));
}

// Checkpoints of forge before callbacks kept --keep_best's and --early_stopping's records in the
// position and --ema_decay's average as ema/<parameter>: they come back as those callbacks' states.
TEST(Checkpoint, StatesOfForgeBeforeCallbacksComeBackUnderTheirCallbacksNames) {
  testing::TempDir dir;
  Fixture f;
  CheckpointState state = capture_checkpoint_state({*f.net, f.optimizer}, {});
  state.meta.erase("callbacks");
  state.meta["position"]["best"] = {
      {"watched", "valid/accuracy:max"}, {"best_step", 12}, {"best_value", 0.75}, {"stale", 1}};
  state.meta["position"]["early"] = {{"watched", ""}, {"best_step", -1}, {"best_value", 0}, {"stale", 0}};
  state.tensors.emplace_back("ema/weight", torch::full({3, 4}, 2.0f));
  const std::string path = checkpoint_path(dir.path(), 5);
  write_checkpoint(path, state);
  const auto states = checkpoint_callback_states(read_checkpoint_file(path), path);
  ASSERT_EQ(states.size(), 2u) << "early stopping was off: no state of it";
  const GoalState best = goal_state_of(states.at(keep_best_callback));
  EXPECT_EQ(best.watched, "valid/accuracy:max");
  EXPECT_EQ(best.best_step, 12);
  EXPECT_EQ(best.best_value, 0.75);
  EXPECT_EQ(best.stale, 1);
  EXPECT_TRUE(states.at(ema_callback).tensors.at("weight").equal(torch::full({3, 4}, 2.0f)));
}

TEST(Checkpoint, ModelMissingOrAddingATensorOrOfAnotherTypeIsARunError) {
  testing::TempDir dir;
  torch::nn::Sequential saved(torch::nn::Linear(2, 2));
  torch::optim::SGD optimizer(saved->parameters(), torch::optim::SGDOptions(0.1));
  save_checkpoint(checkpoint_path(dir.path(), 1), *saved, optimizer, {});
  auto message = [&](torch::nn::Module& model) -> std::string {
    try {
      load_checkpoint(checkpoint_path(dir.path(), 1), model, nullptr);
    } catch (const Error& e) {
      return e.code() == ExitCode::run ? e.what() : "another exit code";
    }
    return "no error";
  };
  torch::nn::Sequential bigger(torch::nn::Linear(2, 2), torch::nn::Linear(2, 2));
  EXPECT_NE(message(*bigger).find("it has no 1.weight"), std::string::npos) << message(*bigger);
  torch::nn::Sequential unbiased(torch::nn::Linear(torch::nn::LinearOptions(2, 2).bias(false)));
  EXPECT_NE(message(*unbiased).find("it holds 0.bias, which this model lacks"), std::string::npos)
      << message(*unbiased);
  torch::nn::Sequential doubled(torch::nn::Linear(2, 2));
  doubled->to(torch::kFloat64);
  EXPECT_NE(message(*doubled).find("is Double in the model and Float in the checkpoint"), std::string::npos)
      << message(*doubled);
}

// A checkpoint forge 0.1 wrote (format 1: a torch archive): `forge train --data synthetic
// --model mlp --n_hidden 2 --samples 64 --epochs 1`, its checkpoint after the epoch.
TEST(Checkpoint, Format1CheckpointsOfForge01StillLoad) {
  const std::string path = testing::source_dir() + "/tests/data/checkpoints/format1_mlp_synthetic.ckpt";
  torch::nn::Sequential mlp(torch::nn::Flatten(), torch::nn::Linear(64, 2), torch::nn::ReLU(), torch::nn::Linear(2, 4));
  torch::optim::Adam optimizer(mlp->parameters(), torch::optim::AdamOptions(1e-3));
  if (!compat::restores_format1_optimizer_state) {  // libtorch 2.x: the model only
    EXPECT_THROW(load_checkpoint(path, *mlp, &optimizer), Error);
    EXPECT_EQ(load_checkpoint(path, *mlp, nullptr).step, 2);
    return;
  }
  TrainingPosition position = load_checkpoint(path, *mlp, &optimizer);
  EXPECT_EQ(position.step, 2);
  EXPECT_EQ(position.epoch, 1);
  EXPECT_EQ(read_checkpoint_position(path).step, 2);
  // The weights are the archive's, as libtorch's own reader gives them.
  torch::serialize::InputArchive archive, model_archive;
  const std::string payload = read_checkpoint_file(path).archive;
  archive.load_from(payload.data(), payload.size());
  archive.read("model", model_archive);
  torch::nn::Sequential direct(torch::nn::Flatten(), torch::nn::Linear(64, 2), torch::nn::ReLU(),
                               torch::nn::Linear(2, 4));
  direct->load(model_archive);
  EXPECT_TRUE(torch::equal(mlp->named_parameters()["1.weight"], direct->named_parameters()["1.weight"]));
  EXPECT_EQ(optimizer.state().size(), 4u) << "Adam's state for every parameter";
}

}  // namespace forge

namespace forge {
namespace {

// Two linear layers, "gen" (Adam) over the first and "disc" (SGD with momentum) over the second.
struct TwoOptimizers {
  std::shared_ptr<torch::nn::Module> root = std::make_shared<torch::nn::Module>();
  torch::nn::Linear a = root->register_module("a", torch::nn::Linear(3, 2));
  torch::nn::Linear b = root->register_module("b", torch::nn::Linear(2, 1));
  OptimizerSet set;

  explicit TwoOptimizers(std::vector<std::string> names = {"gen", "disc"}) {
    std::vector<ScheduledOptimizer> optimizers;
    for (const auto& name : names) {
      ScheduledOptimizer o;
      o.name = name;
      o.optimizer = name == "gen" ? make_optimizer({"adam", 0.1}, a->parameters())
                                  : make_optimizer({"sgd", 0.1, 0.9}, b->parameters());
      o.peak_rates = {0.1};
      optimizers.push_back(std::move(o));
    }
    set = OptimizerSet(std::move(optimizers));
  }
  void step(const std::string& name) {
    ScheduledOptimizer& o = set.named(name);
    o.optimizer->zero_grad();
    b->forward(a->forward(torch::randn({4, 3}))).sum().backward();
    o.optimizer->step();
    ++o.steps;
  }
};

}  // namespace

TEST(Checkpoint, NamedOptimizersKeepTheirStateAndStepCountsAndTheModelItsExtraState) {
  testing::TempDir dir;
  TwoOptimizers saved;
  saved.step("gen");
  for (int i = 0; i < 3; ++i) saved.step("disc");
  const std::string path = checkpoint_path(dir.path(), 9);
  write_checkpoint(path, capture_checkpoint_state({*saved.root, saved.set, {{"queue", torch::arange(5)}}}, {}));

  TwoOptimizers loaded;
  CheckpointSubject subject(*loaded.root, loaded.set, {});
  TrainingStart start = restore_training(read_checkpoint_file(path), path, subject);
  EXPECT_EQ(loaded.set.named("gen").steps, 1);
  EXPECT_EQ(loaded.set.named("disc").steps, 3);
  ASSERT_EQ(start.model_extra.count("queue"), 1u);
  EXPECT_TRUE(start.model_extra.at("queue").equal(torch::arange(5)));
  // The same next step on both: the optimizers' states came back whole.
  torch::manual_seed(4);
  saved.step("disc");
  saved.step("gen");
  torch::manual_seed(4);
  loaded.step("disc");
  loaded.step("gen");
  for (size_t i = 0; i < saved.root->parameters().size(); ++i)
    EXPECT_TRUE(saved.root->parameters()[i].equal(loaded.root->parameters()[i]));

  // Optimizers under other names do not fit.
  TwoOptimizers other({"gen", "critic"});
  CheckpointSubject mismatched(*other.root, other.set, {});
  try {
    restore_training(read_checkpoint_file(path), path, mismatched);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::run);
    EXPECT_NE(std::string(e.what()).find("it holds the optimizers gen, disc, and this run configures gen, critic"),
              std::string::npos)
        << e.what();
  }
}

// Checkpoints of forge before named optimizers hold one "optimizer" record: it goes to a run's
// only optimizer, whose steps are the position's.
TEST(Checkpoint, ACheckpointWithOneUnnamedOptimizerStillResumes) {
  testing::TempDir dir;
  Fixture saved;
  saved.train_a_step();
  TrainingPosition position;
  position.step = 6;
  CheckpointState state = capture_checkpoint_state({*saved.net, saved.optimizer}, position);
  state.meta["optimizer"] = state.meta["optimizers"][0]["state"];
  state.meta.erase("optimizers");
  for (auto& [name, tensor] : state.tensors)
    if (name.rfind("optimizer/main/", 0) == 0) name = "optimizer/" + name.substr(15);
  const std::string path = checkpoint_path(dir.path(), 6);
  write_checkpoint(path, state);

  torch::nn::Linear net(4, 3);
  OptimizerSet set;
  {
    std::vector<ScheduledOptimizer> one(1);
    one[0].name = "main";
    one[0].optimizer = make_optimizer({"adam", 0.01}, net->parameters());
    one[0].peak_rates = {0.01};
    set = OptimizerSet(std::move(one));
  }
  CheckpointSubject subject(*net, set, {});
  EXPECT_EQ(restore_training(read_checkpoint_file(path), path, subject).position.step, 6);
  EXPECT_EQ(set.all()[0].steps, 6);
  EXPECT_EQ(set.all()[0].optimizer->state().size(), 2u);  // weight and bias
}

}  // namespace forge
