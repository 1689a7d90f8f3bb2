// Models beyond one loss and one optimizer, as a user meets them: the built-in `gan` (two
// optimizers stepped by the model itself, samples drawn at each epoch's end) trains, resumes
// exactly and keeps its images, alone and data-parallel; what cannot work is refused up front.
#include "runs/checkpoint_files.hpp"
#include "runs/run_files.hpp"
#include "test_support.hpp"
#include "train/checkpoint.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using testing::run_forge;

// A small GAN on 512 Fashion-MNIST images: 8 steps an epoch.
std::vector<std::string> gan_run(const std::string& command, std::vector<std::string> more = {}) {
  std::vector<std::string> args{command, "--data",   "mnist", "--train_limit", "512", "--model", "gan",    "--width",
                                "8",     "--latent", "16",    "--batch_size",  "64",  "--lr",    "0.0002", "--epochs",
                                "2",     "--seed",   "11",    "--no_progress", "true"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// The width and height a PNG's header gives.
std::pair<uint32_t, uint32_t> png_size(const std::string& bytes) {
  auto u32 = [&](size_t at) {
    return uint32_t(uint8_t(bytes[at])) << 24 | uint32_t(uint8_t(bytes[at + 1])) << 16 |
           uint32_t(uint8_t(bytes[at + 2])) << 8 | uint32_t(uint8_t(bytes[at + 3]));
  };
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || bytes.compare(12, 4, "IHDR") != 0)
    return {0, 0};
  return {u32(16), u32(20)};
}

TEST(Gan, ResumesExactlyAndDrawsTheSameSamplesAsAnUninterruptedRun) {
  testing::TempDir dir;
  auto check = run_forge(gan_run("check-resume", {"--stop_at", "5"}), dir.path());
  ASSERT_EQ(check.exit_status, 0) << check.output;
  EXPECT_NE(check.output.find("resume is exact: all"), std::string::npos) << check.output;

  auto straight = run_forge(gan_run("train", {"--run_dir", dir / "straight"}), dir.path());
  ASSERT_EQ(straight.exit_status, 0) << straight.output;
  auto stopped = run_forge(gan_run("train", {"--run_dir", dir / "stopped", "--stop_after_steps", "11"}), dir.path());
  ASSERT_EQ(stopped.exit_status, 0) << stopped.output;
  auto resumed = run_forge({"resume", dir / "stopped"}, dir.path());
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  for (const char* epoch : {"epoch-0001.png", "epoch-0002.png"}) {
    const std::string image = std::string("images/samples/") + epoch;
    const std::string expected = testing::text_or_empty(dir / "straight/" + image);
    EXPECT_EQ(png_size(expected), std::make_pair(uint32_t(242), uint32_t(242))) << image;  // 8 x 8 of 28 + 2
    EXPECT_TRUE(expected == testing::text_or_empty(dir / "stopped/" + image)) << image << " differs after resume";
  }
  // Each optimizer's rate is its own metric.
  const std::string metrics = testing::text_or_empty(dir / "straight/metrics.csv");
  EXPECT_NE(metrics.find(",train,lr_generator,0.0002,"), std::string::npos);
  EXPECT_NE(metrics.find(",train,lr_discriminator,0.0002,"), std::string::npos);
  EXPECT_NE(metrics.find(",test,g_loss,"), std::string::npos);
}

TEST(Gan, TrainsDataParallel) {
  testing::TempDir dir;
  auto two = run_forge(gan_run("train", {"--run_dir", dir / "two", "--nproc_per_node", "2"}), dir.path());
  ASSERT_EQ(two.exit_status, 0) << two.output;
  EXPECT_EQ(testing::run_status(dir / "two"), "completed");
  EXPECT_TRUE(fs::exists(dir / "two/images/samples/epoch-0002.png"));
}

TEST(Gan, AccumulateIsRefusedBeforeAnyRunFolderIsMade) {
  testing::TempDir dir;
  auto refused = run_forge(gan_run("train", {"--accumulate", "2"}), dir.path());
  EXPECT_EQ(refused.exit_status, 2) << refused.output;
  EXPECT_EQ(
      testing::last_line(refused.output),
      "forge: error: --accumulate does not apply to a model that steps its optimizers itself (manual_optimization); "
      "drop it, or accumulate inside its step");
  EXPECT_FALSE(fs::exists(dir / "checkpoints"));
}

}  // namespace
}  // namespace forge

namespace forge {
namespace {

// The cnn on 1024 Fashion-MNIST images, one epoch: its blocks are 0 (conv), 1 (batch norm),
// 4 (conv) and 5 (batch norm); its classifier 10 and 13.
std::vector<std::string> cnn_run(const std::string& run_dir, std::vector<std::string> more = {}) {
  std::vector<std::string> args{"train", "--data",     "mnist", "--train_limit", "1024", "--model",
                                "cnn",   "--channels", "4",     "--epochs",      "1",    "--no_progress",
                                "true",  "--run_dir",  run_dir};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::map<std::string, torch::Tensor> model_tensors(const std::string& checkpoint) {
  auto contents = std::make_shared<CheckpointContents>(read_checkpoint_file(checkpoint));
  std::map<std::string, torch::Tensor> out;
  for (const auto& entry : contents->tensors)
    if (entry.first.rfind("model/", 0) == 0)
      out[entry.first.substr(6)] = checkpoint_tensor(*contents, entry.first).clone();
  return out;
}

std::string newest_checkpoint(const std::string& run_dir) {
  return checkpoint_path(run_dir, list_checkpoints(run_dir).back());
}

bool in_frozen_block(const std::string& name) {
  for (const char* block : {"0.", "1.", "4.", "5."})
    if (name.rfind(block, 0) == 0) return true;
  return false;
}

TEST(FineTuning, FrozenBlocksStayBitwiseUnchangedAloneAndDataParallelWithWeightDecay) {
  testing::TempDir dir;
  ASSERT_EQ(run_forge(cnn_run(dir / "base", {"--seed", "1"}), dir.path()).exit_status, 0);
  const auto base = model_tensors(newest_checkpoint(dir / "base"));
  for (const std::string processes : {"1", "2"}) {
    const std::string tuned = dir / ("tuned" + processes);
    auto run =
        run_forge(cnn_run(tuned, {"--seed", "2", "--init_from", dir / "base", "--freeze", "0,1,4,5", "--optimizer",
                                  "adamw", "--weight_decay", "0.1", "--nproc_per_node", processes}),
                  dir.path());
    ASSERT_EQ(run.exit_status, 0) << run.output;
    EXPECT_EQ(model_tensors(initial_weights_file(tuned)).size(), base.size());
    const auto after = model_tensors(newest_checkpoint(tuned));
    int frozen = 0, trained = 0;
    for (const auto& [name, tensor] : base) {
      if (in_frozen_block(name)) {
        ++frozen;
        EXPECT_TRUE(tensor.equal(after.at(name))) << name << " changed with " << processes << " process(es)";
      } else if (name.find("weight") != std::string::npos) {
        ++trained;
        EXPECT_FALSE(tensor.equal(after.at(name))) << name << " did not train";
      }
    }
    EXPECT_EQ(frozen, 12);  // two convolutions, and two batch norms with their statistics
    EXPECT_EQ(trained, 2);
  }
  // The run keeps its own copy: without the original, it still evaluates.
  fs::remove_all(dir / "base");
  auto eval = run_forge({"eval", dir / "tuned1"}, dir.path());
  EXPECT_EQ(eval.exit_status, 0) << eval.output;
}

TEST(FineTuning, StateDictFilesLoadByNameAndMismatchesAreNamedBeforeAnyRunFolderIsMade) {
  testing::TempDir dir;
  ASSERT_EQ(run_forge(cnn_run(dir / "base", {"--seed", "1"}), dir.path()).exit_status, 0);
  ASSERT_EQ(run_forge({"export", dir / "base", "-o", dir / "base.pt"}, dir.path()).exit_status, 0);
  auto from_file = run_forge(
      cnn_run(dir / "from_file", {"--init_weights", dir / "base.pt", "--init_strict", "true", "--max_steps", "1"}),
      dir.path());
  ASSERT_EQ(from_file.exit_status, 0) << from_file.output;
  EXPECT_NE(from_file.output.find("initial weights from " + dir / "base.pt" + ": 16 of 16 tensors"), std::string::npos)
      << from_file.output;
  const auto base = model_tensors(newest_checkpoint(dir / "base"));
  for (const auto& [name, tensor] : model_tensors(initial_weights_file(dir / "from_file")))
    EXPECT_TRUE(tensor.equal(base.at(name))) << name;

  std::vector<std::string> wider = cnn_run(dir / "misfit", {"--init_from", dir / "base"});
  *(std::find(wider.begin(), wider.end(), "--channels") + 1) = "8";
  auto misfit = run_forge(wider, dir.path());
  EXPECT_EQ(misfit.exit_status, 5) << misfit.output;
  EXPECT_NE(misfit.output.find("do not fit this model: 0.weight ([4, 1, 3, 3] there, [8, 1, 3, 3] here)"),
            std::string::npos)
      << misfit.output;
  EXPECT_NE(misfit.output.find("5.running_var ([8] there, [16] here)"), std::string::npos)
      << "every mismatch is named: " << misfit.output;
  auto both =
      run_forge(cnn_run(dir / "both", {"--init_from", dir / "base", "--init_weights", dir / "base.pt"}), dir.path());
  EXPECT_EQ(both.exit_status, 2) << both.output;
  auto unknown = run_forge(cnn_run(dir / "unknown", {"--freeze", "features"}), dir.path());
  EXPECT_EQ(unknown.exit_status, 2) << unknown.output;
  EXPECT_NE(testing::last_line(unknown.output).find("--freeze names 'features', which is no parameter or module"),
            std::string::npos);
  auto not_weights = run_forge(cnn_run(dir / "not_weights", {"--init_weights", dir / "base/flags.json"}), dir.path());
  EXPECT_EQ(not_weights.exit_status, 5) << not_weights.output;
  for (const char* run : {"misfit", "both", "unknown", "not_weights"}) EXPECT_FALSE(fs::exists(dir / run)) << run;
}

// A state_dict PyTorch itself saved (Debian's python3-torch), naming some of the model's
// tensors and one it lacks: loaded by name, or refused under --init_strict.
TEST(FineTuning, APyTorchStateDictLoadsByNameAndInitStrictRefusesAPartialOne) {
  testing::TempDir dir;
  ProcessResult saved = run_process({"/usr/bin/python3", "-c",
                                     "import torch; torch.save({'13.weight': torch.zeros(10, 128), '13.bias': "
                                     "torch.arange(10.0), 'head.scale': torch.ones(1)}, 'partial.pt')"},
                                    dir.path());
  ASSERT_EQ(saved.exit_status, 0) << saved.output;
  auto partial =
      run_forge(cnn_run(dir / "partial", {"--init_weights", dir / "partial.pt", "--max_steps", "1"}), dir.path());
  ASSERT_EQ(partial.exit_status, 0) << partial.output;
  EXPECT_NE(partial.output.find("16 tensors"), std::string::npos) << partial.output;
  EXPECT_NE(partial.output.find("2 of 16 tensors"), std::string::npos) << partial.output;
  EXPECT_NE(partial.output.find("not in the model, ignored: head.scale"), std::string::npos) << partial.output;
  EXPECT_TRUE(model_tensors(initial_weights_file(dir / "partial")).at("13.bias").equal(torch::arange(10.0)));

  auto strict =
      run_forge(cnn_run(dir / "strict", {"--init_weights", dir / "partial.pt", "--init_strict", "true"}), dir.path());
  EXPECT_EQ(strict.exit_status, 5) << strict.output;
  EXPECT_NE(strict.output.find("(--init_strict); missing: 0.weight, "), std::string::npos) << strict.output;
  EXPECT_NE(strict.output.find("; unexpected: head.scale"), std::string::npos) << strict.output;
  EXPECT_FALSE(fs::exists(dir / "strict"));
}

// torchvision's ResNet-18 as PyTorch saves it (an OrderedDict, Debian's python3-torchvision,
// random weights) fine-tunes a forge model of the same layout whose classifier is `head` of 10
// classes: --init_rename maps fc to head, --init_skip_mismatched keeps the resized head as
// initialised, and every other tensor arrives as Python saved it.
TEST(FineTuning, ATorchvisionResNetStateDictFineTunesWithARenamedResizedHead) {
  testing::TempDir dir;
  ProcessResult saved = run_process(
      {"/usr/bin/python3", "-c",
       "import torch, torchvision; torch.manual_seed(0); sd = torchvision.models.resnet18().state_dict(); "
       "torch.save(sd, 'r18.pt'); print(type(sd).__name__, len(sd), repr(float(sd['layer4.1.conv2.weight'].double()."
       "sum())))"},
      dir.path());
  ASSERT_EQ(saved.exit_status, 0) << saved.output;
  ASSERT_EQ(saved.output.rfind("OrderedDict 122 ", 0), 0u) << saved.output;
  const double python_sum = std::stod(saved.output.substr(std::string("OrderedDict 122 ").size()));
  ProcessResult folders = run_process({"/usr/bin/python3", testing::source_dir() + "/scripts/image_folders.py",
                                       dir / "images", "--train", "100", "--test", "100", "--formats", "png"});
  ASSERT_EQ(folders.exit_status, 0) << folders.output;
  auto run = [&](const std::string& name, std::vector<std::string> more) {
    std::vector<std::string> args{"train",
                                  "--data",
                                  "images",
                                  "--data_dir",
                                  dir / "images/png",
                                  "--image_channels",
                                  "1",
                                  "--model",
                                  testing::source_dir() + "/tests/data/plugins/resnet18.cpp",
                                  "--optimizer",
                                  "sgd",
                                  "--batch_size",
                                  "16",
                                  "--max_steps",
                                  "1",
                                  "--no_progress",
                                  "true",
                                  "--run_dir",
                                  dir / name,
                                  "--init_weights",
                                  dir / "r18.pt"};
    args.insert(args.end(), more.begin(), more.end());
    return run_forge(args, dir.path());
  };
  auto tuned = run("tuned", {"--init_rename", "fc=head", "--init_skip_mismatched", "true"});
  ASSERT_EQ(tuned.exit_status, 0) << tuned.output;
  EXPECT_NE(tuned.output.find("head.weight is [1000, 512] in " + dir / "r18.pt" +
                              " and [10, 512] here: kept as "
                              "initialised"),
            std::string::npos)
      << tuned.output;
  EXPECT_NE(tuned.output.find("120 of 122 tensors"), std::string::npos) << tuned.output;
  const auto initial = model_tensors(initial_weights_file(dir / "tuned"));
  EXPECT_EQ(initial.size(), 120u);
  EXPECT_NEAR(initial.at("layer4.1.conv2.weight").to(torch::kFloat64).sum().item<double>(), python_sum, 1e-6);
  EXPECT_EQ(initial.count("fc.weight") + initial.count("head.weight"), 0u);

  auto unfit = run("unfit", {"--init_rename", "fc=head"});
  EXPECT_EQ(unfit.exit_status, 5) << unfit.output;
  EXPECT_NE(testing::last_line(unfit.output).find("head.weight ([1000, 512] there, [10, 512] here)"), std::string::npos)
      << unfit.output;
  EXPECT_NE(testing::last_line(unfit.output).find("--init_skip_mismatched"), std::string::npos) << unfit.output;
  auto typo = run("typo", {"--init_rename", "classifier=head"});
  EXPECT_EQ(typo.exit_status, 2) << typo.output;
  EXPECT_NE(testing::last_line(typo.output).find("--init_rename classifier=head matches no tensor"), std::string::npos)
      << typo.output;
  for (const char* name : {"unfit", "typo"}) EXPECT_FALSE(fs::exists(dir / name)) << name;
}

// The model summary (the Python tool's print_num_params): logged when training starts, kept in
// model.json and printed by `forge show`; its totals are Python's numel() over the exported
// state_dict, frozen parameters marked.
TEST(ModelSummary, ShowPrintsTheCnnsModulesAndTotalsThatPythonCounts) {
  testing::TempDir dir;
  auto trained = run_forge(cnn_run(dir / "run", {"--max_steps", "1", "--freeze", "0"}), dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  EXPECT_NE(trained.output.find("model: 51,942 parameters (51,906 trainable, 36 frozen)"), std::string::npos)
      << trained.output;
  ASSERT_EQ(run_forge({"export", dir / "run", "-o", dir / "w.pt"}, dir.path()).exit_status, 0);
  ProcessResult python =
      run_process({"/usr/bin/python3", "-c",
                   "import torch; sd = torch.load('w.pt'); "
                   "print(sum(t.numel() for k, t in sd.items() if 'running_' not in k and 'num_batches' not in k), "
                   "sum(t.numel() for t in sd.values()))"},
                  dir.path());
  ASSERT_EQ(python.exit_status, 0) << python.output;
  auto shown = run_forge({"show", dir / "run", "--depth", "1"}, dir.path());
  ASSERT_EQ(shown.exit_status, 0) << shown.output;
  std::istringstream counts(python.output);
  int64_t parameters = 0, everything = 0;
  counts >> parameters >> everything;
  auto grouped = [](int64_t n) {
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); ++i)
      out += std::string(i > 0 && (digits.size() - i) % 3 == 0 ? "," : "") + digits[i];
    return out;
  };
  EXPECT_NE(shown.output.find("model: " + grouped(parameters) + " parameters"), std::string::npos)
      << python.output << shown.output;
  EXPECT_NE(shown.output.find(grouped(everything - parameters) + " buffer values"), std::string::npos)
      << python.output << shown.output;
  for (const char* row : {"0        Conv2d       36          weight [4, 1, 3, 3] (frozen)",
                          "10       Linear       50,304      weight [128, 392], bias [128]"})
    EXPECT_NE(shown.output.find(row), std::string::npos) << row << "\n" << shown.output;
  EXPECT_EQ(run_forge({"show", dir / "run", "--depth", "x"}, dir.path()).exit_status, 2);
}

// Macro F1 and the confusion matrix of a Fashion-MNIST cnn, as forge reports them, are sklearn's
// on the predictions Python computes from `forge export` of the same checkpoint; data-parallel,
// the test set is sharded and still counted whole, once.
TEST(WholeSetMetrics, MacroF1AndTheConfusionMatrixAreSklearnsAndShardedEvaluationCountsEachSampleOnce) {
  testing::TempDir dir;
  const std::string run = dir / "run";
  auto trained = run_forge(cnn_run(run, {"--seed", "4", "--nproc_per_node", "2"}), dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  const int64_t step = list_checkpoints(run).back();
  const std::string sharded = testing::text_or_empty(table_path(run, "test", "confusion_matrix", step));
  ASSERT_FALSE(sharded.empty());
  int64_t counted = 0;
  std::istringstream rows(sharded);
  std::string line;
  std::getline(rows, line);  // the header
  while (std::getline(rows, line)) {
    std::istringstream cells(line);
    std::string cell;
    std::getline(cells, cell, ',');
    while (std::getline(cells, cell, ',')) counted += std::stoll(cell);
  }
  EXPECT_EQ(counted, 10000);

  // forge eval alone, on the same checkpoint: the same matrix.
  fs::remove_all(tables_folder(run));
  auto eval = run_forge({"eval", run}, dir.path());
  ASSERT_EQ(eval.exit_status, 0) << eval.output;
  const std::string alone = testing::text_or_empty(table_path(run, "test", "confusion_matrix", step));
  EXPECT_EQ(alone, sharded);
  const double macro_f1 =
      nlohmann::json::parse(testing::text_or_empty(run + "/evals.json"))[std::to_string(step)]["metrics"]["macro_f1"];
  ASSERT_EQ(run_forge({"export", run, "-o", dir / "w.pt"}, dir.path()).exit_status, 0);
  ProcessResult python = run_process(
      {"/usr/bin/python3", testing::source_dir() + "/examples/fashion_mnist_accuracy.py", run, dir / "w.pt"},
      dir.path());
  ASSERT_EQ(python.exit_status, 0) << python.output;
  char expected_f1[64];
  std::snprintf(expected_f1, sizeof expected_f1, "macro F1 %.6f\n", macro_f1);
  EXPECT_NE(python.output.find(expected_f1), std::string::npos) << python.output << "\nforge: " << macro_f1;
  EXPECT_NE(python.output.find("confusion matrix:\n" + alone), std::string::npos) << python.output << "\nforge:\n"
                                                                                  << alone;
}

// `recipe` on the cnn: check-resume says resume is exact (2 epochs of 1024 Fashion-MNIST images,
// stopped at step 21), then a run of it (cnn_run) trains in <dir>/run.
ProcessResult exact_on_resume_then_trained(const testing::TempDir& dir, const std::vector<std::string>& recipe) {
  std::vector<std::string> check{
      "check-resume", "--data", "mnist", "--train_limit", "1024", "--model", "cnn", "--channels", "4", "--epochs", "2",
      "--stop_at",    "21"};
  check.insert(check.end(), recipe.begin(), recipe.end());
  auto checked = run_forge(check, dir.path());
  EXPECT_EQ(checked.exit_status, 0) << checked.output;
  EXPECT_NE(checked.output.find("resume is exact: all"), std::string::npos) << checked.output;
  return run_forge(cnn_run(dir / "run", recipe), dir.path());
}

// --channels_last on the cnn, with the fused RMSprop and an average of the weights: resume is
// exact (the checkpoint, the optimizer's state and the average come back in the parameters'
// layout), and eval, which lays the model out as the run was trained, gives the training's own
// final numbers.
TEST(ChannelsLast, AConvNetTrainedChannelsLastResumesExactlyAndEvaluatesAsItTrained) {
  testing::TempDir dir;
  const std::vector<std::string> recipe{"--channels_last", "true", "--optimizer", "rmsprop", "--momentum", "0.9",
                                        "--ema_decay",     "0.99", "--seed",      "7"};
  const std::string run = dir / "run";
  auto trained = exact_on_resume_then_trained(dir, recipe);
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  EXPECT_EQ(nlohmann::json::parse(testing::text_or_empty(run + "/flags.json"))["channels_last"], true);
  auto eval = run_forge({"eval", run}, dir.path());
  ASSERT_EQ(eval.exit_status, 0) << eval.output;
  const std::string test_line = eval.output.substr(eval.output.find("test accuracy "));
  EXPECT_NE(trained.output.find(test_line.substr(0, test_line.find(" (checkpoint"))), std::string::npos)
      << trained.output << "\n"
      << test_line;
}

// A forward that view()s its convolutions' outputs trains contiguous; channels-last, libtorch
// refuses the view, and forge's one line says what to do about it.
TEST(ChannelsLast, AForwardThatViewsWhatItsConvolutionsGiveFailsSayingWhatToDo) {
  testing::TempDir dir;
  const std::vector<std::string> train{"train",
                                       "--data",
                                       "mnist",
                                       "--train_limit",
                                       "256",
                                       "--model",
                                       testing::source_dir() + "/tests/data/plugins/viewing_net.cpp",
                                       "--epochs",
                                       "1",
                                       "--no_progress",
                                       "true"};
  std::vector<std::string> contiguous = train, laid_out = train;
  contiguous.insert(contiguous.end(), {"--run_dir", dir / "contiguous"});
  laid_out.insert(laid_out.end(), {"--channels_last", "true", "--run_dir", dir / "channels_last"});
  auto trained = run_forge(contiguous, dir.path());
  EXPECT_EQ(trained.exit_status, 0) << trained.output;
  auto refused = run_forge(laid_out, dir.path());
  EXPECT_EQ(refused.exit_status, 1) << refused.output;
  EXPECT_NE(refused.output.find("with --channels_last the model's forward must reshape, not view()"), std::string::npos)
      << refused.output;
  EXPECT_EQ(refused.output.find("forge: error:"), refused.output.rfind("forge: error:")) << refused.output;
}

// A transformer-style recipe on the cnn: AdamW without decay on biases and norms, warm-up and
// cosine, an average of the weights, bf16 autocast. It resumes exactly; evaluation, eval and
// export --ema use the average.
TEST(Recipe, AdamwNoDecayCosineEmaAndBf16ResumeExactlyAndTheAverageIsWhatIsEvaluated) {
  testing::TempDir dir;
  const std::vector<std::string> recipe{
      "--optimizer",    "adamw", "--weight_decay", "0.05", "--no_decay_bias_norm", "true", "--lr_schedule", "cosine",
      "--warmup_steps", "10",    "--ema_decay",    "0.99", "--precision",          "bf16", "--seed",        "6"};
  const std::string run = dir / "run";
  auto trained = exact_on_resume_then_trained(dir, recipe);
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  auto eval = run_forge({"eval", run}, dir.path());
  ASSERT_EQ(eval.exit_status, 0) << eval.output;
  EXPECT_NE(eval.output.find("evaluating the average of the weights"), std::string::npos) << eval.output;
  // The training's own final test evaluation was of the average too: eval gives the same.
  const std::string test_line = eval.output.substr(eval.output.find("test accuracy "));
  const std::string accuracy = test_line.substr(0, test_line.find(" loss"));
  EXPECT_NE(trained.output.find(accuracy + " loss"), std::string::npos) << trained.output << "\n" << accuracy;
  ASSERT_EQ(run_forge({"export", run, "--ema", "-o", dir / "ema.pt"}, dir.path()).exit_status, 0);
  ASSERT_EQ(run_forge({"export", run, "-o", dir / "raw.pt"}, dir.path()).exit_status, 0);
  EXPECT_NE(testing::text_or_empty(dir / "ema.pt"), testing::text_or_empty(dir / "raw.pt"));
  auto averages = checkpoint_tensors(read_checkpoint_file(newest_checkpoint(run)), "callback/ema/");
  EXPECT_EQ(averages.size(), 10u);  // the parameters: 2 convolutions, 2 batch norms x 2, 2 linear x 2

  ASSERT_EQ(run_forge(cnn_run(dir / "plain", {"--max_steps", "2"}), dir.path()).exit_status, 0);
  auto plain = run_forge({"export", dir / "plain", "--ema", "-o", dir / "x.pt"}, dir.path());
  EXPECT_EQ(plain.exit_status, 5) << plain.output;
  EXPECT_NE(plain.output.find("it was not trained with --ema_decay"), std::string::npos) << plain.output;
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--ema_decay", "1.5"}, {"--precision", "fp16"}, {"--precision", "half"}}) {
    auto refused = run_forge(cnn_run(dir / "refused", bad), dir.path());
    EXPECT_EQ(refused.exit_status, 2) << refused.output;
    EXPECT_FALSE(fs::exists(dir / "refused")) << bad[0];
  }
}

}  // namespace
}  // namespace forge
