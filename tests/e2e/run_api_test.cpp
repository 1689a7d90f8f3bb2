// Using a run from outside forge: the public API (forge/run.hpp) in this process, the example
// program that uses it (examples/predict.cpp), and `forge export` read by Python PyTorch
// (examples/fashion_mnist_accuracy.py).
#include "app/run_training.hpp"
#include "runs/manifest.hpp"
#include "test_support.hpp"
#include "train/evaluate.hpp"

#include <forge/run.hpp>

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

#include <regex>
#include <sstream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

class UsingARun : public ::testing::Test {
 protected:
  // One synthetic mlp run with two checkpoints (steps 16 and 32), evaluated by `forge eval`.
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    auto trained = testing::run_forge({"train", "--data", "synthetic", "--model", "mlp", "--epochs", "2", "--seed", "5",
                                       "--n_hidden", "24", "--run_name", "r", "--no_progress"},
                                      dir_->path());
    ASSERT_EQ(trained.exit_status, 0) << trained.output;
    auto evaluated = testing::run_forge({"eval", run()}, dir_->path());
    ASSERT_EQ(evaluated.exit_status, 0) << evaluated.output;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string run() { return *dir_ / "checkpoints/r/1"; }
  static ProcessResult predict(std::vector<std::string> args) {
    args.insert(args.begin(), testing::build_dir() + "/examples/predict");
    return run_process(args, dir_->path());
  }

  static inline testing::TempDir* dir_ = nullptr;
};

TEST_F(UsingARun, LoadFromCheckpointGivesTheModelForgeEvalEvaluated) {
  LoadedCheckpoint loaded = load_from_checkpoint(run());
  EXPECT_EQ(loaded.step, 32);
  EXPECT_EQ(loaded.epoch, 2);
  EXPECT_EQ(loaded.flags.text("n_hidden"), "24");
  EXPECT_FALSE(loaded.model->module().is_training());
  // In the batches forge eval used: a mean over other batches may differ in the last bit.
  auto metrics =
      evaluate(*loaded.model, loaded.data.dataset("test"), "test", evaluation_batch_size(loaded.flags), torch::kCPU)
          .metrics;
  json recorded = read_json(run() + "/evals.json")["32"]["metrics"];
  EXPECT_DOUBLE_EQ(metrics.at("accuracy"), recorded["accuracy"].get<double>());
  EXPECT_DOUBLE_EQ(metrics.at("loss"), recorded["loss"].get<double>());
  EXPECT_EQ(list_run_checkpoints(run()), (std::vector<int64_t>{16, 32}));
}

TEST_F(UsingARun, OptionsChooseTheCheckpointAndOverrideFlags) {
  LoadOptions options;
  options.checkpoint = "16";
  options.override_flags = {{"batch_size", "7"}, {"noise", "0.25"}};
  LoadedCheckpoint loaded = load_from_checkpoint(run(), options);
  EXPECT_EQ(loaded.step, 16);
  EXPECT_EQ(loaded.epoch, 1);
  EXPECT_EQ(loaded.flags.text("batch_size"), "7");
  EXPECT_EQ(loaded.flags.text("noise"), "0.25");
}

TEST_F(UsingARun, ErrorsAreForgeErrorsWithTheCommandLinesExitCodes) {
  auto code_of = [](const std::string& dir, const LoadOptions& options) {
    try {
      load_from_checkpoint(dir, options);
    } catch (const Error& e) {
      return std::make_pair(e.code(), std::string(e.what()));
    }
    return std::make_pair(ExitCode::ok, std::string());
  };
  LoadOptions typo;
  typo.override_flags = {{"n_hiden", "3"}};
  auto [code, message] = code_of(run(), typo);
  EXPECT_EQ(code, ExitCode::usage);
  EXPECT_NE(message.find("did you mean n_hidden?"), std::string::npos) << message;

  LoadOptions wrong_type;
  wrong_type.override_flags = {{"n_hidden", "many"}};
  EXPECT_EQ(code_of(run(), wrong_type).first, ExitCode::usage);

  LoadOptions other_shape;  // a model the checkpoint does not fit
  other_shape.override_flags = {{"n_hidden", "3"}};
  EXPECT_EQ(code_of(run(), other_shape).first, ExitCode::run);

  LoadOptions missing;
  missing.checkpoint = "17";
  std::tie(code, message) = code_of(run(), missing);
  EXPECT_EQ(code, ExitCode::run);
  EXPECT_NE(message.find("(it has: 16, 32)"), std::string::npos) << message;

  EXPECT_EQ(code_of(*dir_ / "checkpoints", {}).first, ExitCode::run);
}

TEST_F(UsingARun, ExampleProgramPrintsPredictionsOfAChosenCheckpoint) {
  ProcessResult newest = predict({run(), "--count", "5"});
  ASSERT_EQ(newest.exit_status, 0) << newest.output;
  EXPECT_NE(newest.output.find("checkpoint step 32 (epoch 2)"), std::string::npos) << newest.output;
  std::regex line(R"(test example \d: predicted class \d, true class \d)");
  EXPECT_EQ(
      std::distance(std::sregex_iterator(newest.output.begin(), newest.output.end(), line), std::sregex_iterator()), 5)
      << newest.output;
  EXPECT_TRUE(std::regex_search(newest.output, std::regex(R"(\d of 5 right)"))) << newest.output;

  ProcessResult older = predict({run(), "--checkpoint", "16", "--count", "2", "--set", "noise=0.2"});
  ASSERT_EQ(older.exit_status, 0) << older.output;
  EXPECT_NE(older.output.find("checkpoint step 16 (epoch 1)"), std::string::npos) << older.output;

  ProcessResult typo = predict({run(), "--set", "n_hiden=3"});
  EXPECT_EQ(typo.exit_status, 2) << typo.output;
  EXPECT_NE(typo.output.find("predict: override_flags: run"), std::string::npos) << typo.output;
  ProcessResult not_a_run = predict({dir_->path()});
  EXPECT_EQ(not_a_run.exit_status, 5) << not_a_run.output;
}

TEST_F(UsingARun, ExportErrorsAreOneLineAndWriteNothing) {
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {{"export", run()}, 2, "no output file given"},
           {{"export", run(), "-o", "w.pt", "--checkpoint", "best"}, 5, "keeps no best checkpoint"},
           {{"export", run(), "-o", "w.pt", "--checkpoint", "9"}, 5, "has no checkpoint at step 9"},
           {{"export", run(), "-o", "w.pt", "--checkpoint", "x"}, 2, "expected a step number or best"},
           {{"export", *dir_ / "nowhere", "-o", "w.pt"}, 5, "nowhere"},
           {{"export", run(), "-o", *dir_ / "no/such/folder/w.pt"}, 1, "w.pt"},
       }) {
    ProcessResult result = testing::run_forge(c.args, dir_->path());
    EXPECT_EQ(result.exit_status, c.code) << result.output;
    EXPECT_NE(result.output.find("forge: error: "), std::string::npos) << result.output;
    EXPECT_NE(result.output.find(c.says), std::string::npos) << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
    EXPECT_FALSE(fs::exists(*dir_ / "w.pt"));
  }
}

// Real Fashion-MNIST: the accuracy Python computes from the exported state_dict, into the
// architecture rebuilt from flags.json, is forge eval's for the same checkpoint.
TEST(ExportForPython, TorchLoadOfTheStateDictGivesForgeEvalsAccuracy) {
  testing::TempDir dir;
  auto trained = testing::run_forge({"train", "--data", "mnist", "--model", "mlp", "--train_limit", "3000", "--epochs",
                                     "2", "--n_hidden", "32", "--seed", "3", "--run_name", "fm", "--no_progress"},
                                    dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  const std::string run = dir / "checkpoints/fm/1";
  ASSERT_EQ(testing::run_forge({"eval", run, "--checkpoint", "94"}, dir.path()).exit_status, 0);
  ProcessResult exported = testing::run_forge({"export", run, "--checkpoint", "94", "-o", "weights.pt"}, dir.path());
  ASSERT_EQ(exported.exit_status, 0) << exported.output;
  EXPECT_NE(exported.output.find("exported 4 tensors (25450 values) of checkpoint step 94 to weights.pt"),
            std::string::npos)
      << exported.output;

  const double accuracy = read_json(run + "/evals.json")["94"]["metrics"]["accuracy"].get<double>();
  std::ostringstream expected;
  expected << "test accuracy " << std::fixed << std::setprecision(6) << accuracy << " ("
           << std::llround(accuracy * 10000) << " of 10000)";
  // Debian's python3-torch, and the PyPI wheel's where scripts/setup.sh --torch pypi made it
  // (whose torch.load is weights_only by default, as the example asks of both).
  std::vector<std::string> pythons{"/usr/bin/python3"};
  const std::string wheel_python = testing::source_dir() + "/.venv-torch/bin/python";
  if (fs::exists(wheel_python)) pythons.push_back(wheel_python);
  for (const auto& interpreter : pythons) {
    ProcessResult python = run_process(
        {interpreter, testing::source_dir() + "/examples/fashion_mnist_accuracy.py", run, "weights.pt"}, dir.path());
    ASSERT_EQ(python.exit_status, 0) << interpreter << ": " << python.output;
    EXPECT_NE(python.output.find(expected.str()), std::string::npos)
        << interpreter << ": " << python.output << "\nforge eval: " << accuracy;
  }
}

}  // namespace
}  // namespace forge
