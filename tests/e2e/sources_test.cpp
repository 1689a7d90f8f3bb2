// Real data through sources, as a user meets it: Fashion-MNIST written as PNG and JPEG class
// folders (scripts/image_folders.py) trained through the images plugin with augmentation and
// loader threads, Debian's word lists through words + gru; exact resume whatever the workers,
// data-parallel shares, and every bad input stopping with one line.
#include "core/process.hpp"
#include "reference_run.hpp"
#include "runs/metrics_csv.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using testing::run_forge;
using Args = std::vector<std::string>;

// 640 training and 160 test images of Fashion-MNIST as OUT/png/... and OUT/jpeg/...
void write_image_folders(const std::string& out) {
  auto written = run_process({"/usr/bin/python3", testing::source_dir() + "/scripts/image_folders.py", out, "--train",
                              "640", "--test", "160"});
  ASSERT_EQ(written.exit_status, 0) << written.output;
}

// A cnn on the folder, augmented, 2 epochs of 20 steps.
Args images_run(const std::string& folder, Args more = {}, const std::string& epochs = "2") {
  Args args{"train", "--data",     "images", "--data_dir",   folder, "--random_crop", "--hflip", "--model",
            "cnn",   "--channels", "4",      "--batch_size", "32",   "--epochs",      epochs,    "--seed",
            "3",     "--threads",  "1",      "--no_progress"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

Args with_command(Args args, const std::string& command) {
  args[0] = command;
  return args;
}

bool says(const std::string& output, const std::string& text) { return output.find(text) != std::string::npos; }

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(testing::text_or_empty(path)); }

class Images : public testing::WithReferenceRun {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    write_image_folders(*dir_ / "folders");
    auto straight = run_forge(images_run(png(), {"--workers", "0", "--run_name", "straight"}), dir_->path());
    ASSERT_EQ(straight.exit_status, 0) << straight.output;
  }
  static std::string png() { return *dir_ / "folders/png"; }
};

TEST_F(Images, CheckResumeIsExactWithAugmentationAndTwoWorkers) {
  auto check = run_forge(with_command(images_run(png(), {"--workers", "2"}, "1"), "check-resume"), dir_->path());
  ASSERT_EQ(check.exit_status, 0) << check.output;
  EXPECT_TRUE(says(check.output, "resume is exact: all")) << check.output;
}

TEST_F(Images, AnyNumberOfWorkersTrainsTheSameRunAndWorkersMayChangeOnResume) {
  auto stopped = run_forge(images_run(png(), {"--workers", "1", "--run_name", "changed", "--stop_after_steps", "7"}),
                           dir_->path());
  ASSERT_EQ(stopped.exit_status, 0) << stopped.output;
  const std::string run = *dir_ / "checkpoints/changed/1";
  auto resumed = run_forge({"resume", run, "--workers", "3", "--prefetch", "1"}, dir_->path());  // no --force
  ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
  EXPECT_EQ(first_difference(testing::run_state(run), testing::run_state(straight())), "");
  // And evaluation through the loader gives the run's own numbers.
  auto evaluated = run_forge({"eval", straight()}, dir_->path());
  ASSERT_EQ(evaluated.exit_status, 0) << evaluated.output;
  EXPECT_TRUE(says(evaluated.output, "test accuracy")) << evaluated.output;
}

TEST_F(Images, KillNineMidEpochWithThreeWorkersThenResumeIsBitwiseExact) {
  auto reference = testing::run_state(straight());
  for (int64_t k : {3, 11, 27}) {  // mid-epoch 1, just after it, mid-epoch 2 (20 steps an epoch)
    const std::string name = "kill" + std::to_string(k), run = *dir_ / ("checkpoints/" + name + "/1");
    int pid = testing::spawn_forge(
        images_run(png(), {"--workers", "3", "--run_name", name, "--checkpoint_every", "1", "--keep_checkpoints", "0"}),
        dir_->path(), *dir_ / (name + ".log"));
    ASSERT_TRUE(testing::wait_until([&] { return fs::exists(checkpoint_path(run, k)); }));
    ::kill(pid, SIGKILL);
    testing::wait_for_exit(pid);
    auto resumed = run_forge({"resume", run}, dir_->path());
    ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
    EXPECT_EQ(first_difference(testing::run_state(run), reference), "") << "kill -9 after step " << k;
  }
}

TEST_F(Images, TrainsOnJpegFilesToo) {
  auto jpeg = run_forge(images_run(*dir_ / "folders/jpeg", {"--run_name", "jpeg"}, "1"), dir_->path());
  ASSERT_EQ(jpeg.exit_status, 0) << jpeg.output;
  EXPECT_TRUE(says(jpeg.output, "test accuracy")) << jpeg.output;
}

// What tests/data/plugins/batch_recorder.cpp wrote to `file` (appended, a line per sample):
// each sample's checksum by (epoch, index), and each step's samples.
struct BatchRecords {
  std::map<std::pair<int64_t, int64_t>, std::string> checksums;
  std::map<int64_t, std::set<int64_t>> steps;
};

BatchRecords read_batch_records(const std::string& file, BatchRecords records = {}) {
  std::ifstream in(file);
  int64_t epoch, step, index;
  std::string checksum;
  while (in >> epoch >> step >> index >> checksum) {
    records.checksums[{epoch, index}] = checksum;
    records.steps[step].insert(index);
  }
  return records;
}

// Two processes: each step's samples split between them without overlap, each sample with the
// very augmentation one process gives it (its generator knows only the seed, epoch and index),
// and the result that of one process with twice the batch.
TEST_F(Images, DataParallelRanksLoadDisjointSharesWithTheirOwnAugmentations) {
  const std::string recorder = testing::source_dir() + "/tests/data/plugins/batch_recorder.cpp";
  const Args common{"train",   "--data",    "images", "--data_dir",    png(),       "--random_crop",
                    "--hflip", "--model",   recorder, "--epochs",      "1",         "--seed",
                    "5",       "--threads", "1",      "--no_progress", "--workers", "2"};
  testing::TempDir one, two;
  Args single = common, parallel = common;
  single.insert(single.end(), {"--batch_size", "64", "--run_name", "single"});
  parallel.insert(parallel.end(), {"--batch_size", "32", "--nproc_per_node", "2", "--run_name", "parallel"});
  auto a = run_forge(single, one.path());
  ASSERT_EQ(a.exit_status, 0) << a.output;
  auto b = run_forge(parallel, two.path());
  ASSERT_EQ(b.exit_status, 0) << b.output;
  auto [alone, alone_steps] = read_batch_records(one / "batches-rank0.txt");
  auto [rank0, rank0_steps] = read_batch_records(two / "batches-rank0.txt");
  auto [rank1, rank1_steps] = read_batch_records(two / "batches-rank1.txt");
  ASSERT_EQ(alone.size(), 640u);
  ASSERT_EQ(rank0.size() + rank1.size(), 640u);  // every sample once, on one rank
  ASSERT_EQ(rank0_steps.size(), 10u);
  for (const auto& [step, indices] : rank0_steps) {
    std::set<int64_t> both = indices;
    for (int64_t i : rank1_steps[step]) EXPECT_TRUE(both.insert(i).second) << "sample " << i << " on both ranks";
    EXPECT_EQ(both, alone_steps[step]) << "step " << step;
  }
  for (const auto* rank : {&rank0, &rank1})
    for (const auto& [key, checksum] : *rank) EXPECT_EQ(checksum, alone[key]) << "sample " << key.second;
  std::set<std::string> distinct;
  for (const auto& [key, checksum] : rank0) distinct.insert(checksum);
  EXPECT_GT(distinct.size(), 300u);  // not one crop for all
  // The same step, up to the order of floating-point sums.
  const NamedState halves = testing::run_state(two / "checkpoints/parallel/1");
  const NamedState whole = testing::run_state(one / "checkpoints/single/1");
  ASSERT_EQ(halves.size(), whole.size());
  for (size_t i = 0; i < halves.size(); ++i)
    EXPECT_TRUE(torch::allclose(halves[i].second, whole[i].second, 1e-4, 1e-5)) << halves[i].first;
}

// A two-process run stopped after step 4, resumed on one process and on four (each taking all,
// or a quarter, of its global batch of 64): every later step trains on the samples, with the
// augmentations, of the uninterrupted two-process run, and it ends with that run's parameters
// up to the order of floating-point sums.
TEST_F(Images, AStoppedRunResumesOnOneOrFourProcessesOverTheSameSamples) {
  const std::string recorder = testing::source_dir() + "/tests/data/plugins/batch_recorder.cpp";
  const Args parallel{"train",
                      "--data",
                      "images",
                      "--data_dir",
                      png(),
                      "--random_crop",
                      "--hflip",
                      "--model",
                      recorder,
                      "--epochs",
                      "1",
                      "--seed",
                      "5",
                      "--threads",
                      "1",
                      "--no_progress",
                      "--workers",
                      "2",
                      "--batch_size",
                      "32",
                      "--nproc_per_node",
                      "2",
                      "--run_name",
                      "elastic"};
  auto all_ranks = [](const testing::TempDir& dir) {
    BatchRecords records;
    for (int rank = 0; rank < 4; ++rank)
      records = read_batch_records(dir / ("batches-rank" + std::to_string(rank) + ".txt"), records);
    return records;
  };
  testing::TempDir straight_dir;
  auto straight = run_forge(parallel, straight_dir.path());
  ASSERT_EQ(straight.exit_status, 0) << straight.output;
  const BatchRecords expected = all_ranks(straight_dir);
  ASSERT_EQ(expected.steps.size(), 10u);
  for (const char* processes : {"1", "4"}) {
    testing::TempDir dir;
    Args stopped = parallel;
    stopped.insert(stopped.end(), {"--stop_after_steps", "4"});
    auto first = run_forge(stopped, dir.path());
    ASSERT_EQ(first.exit_status, 0) << first.output;
    const std::string run = dir / "checkpoints/elastic/1";
    auto resumed = run_forge({"resume", run, "--nproc_per_node", processes}, dir.path());  // no --force
    ASSERT_EQ(resumed.exit_status, 0) << resumed.output;
    EXPECT_TRUE(says(resumed.output, "continues on " + std::string(processes) + " process(es) instead of 2"))
        << resumed.output;
    const BatchRecords got = all_ranks(dir);
    EXPECT_EQ(got.steps, expected.steps) << processes << " process(es)";
    EXPECT_EQ(got.checksums, expected.checksums) << processes << " process(es)";
    EXPECT_EQ(read_json(run + "/manifest.json")["world_size"], std::stoi(processes));
    const NamedState ours = testing::run_state(run),
                     theirs = testing::run_state(straight_dir / "checkpoints/elastic/1");
    ASSERT_EQ(ours.size(), theirs.size());
    for (size_t i = 0; i < ours.size(); ++i)
      EXPECT_TRUE(torch::allclose(ours[i].second, theirs[i].second, 1e-4, 1e-5)) << ours[i].first;
  }
}

// Colour images of several sizes, PNG and JPEG mixed: resized (--image_size), cropped at random
// scales (--random_resized_crop), three channels.
TEST(ImagesInColour, MixedSizesAndFormatsResizeToOneShape) {
  testing::TempDir dir;
  auto written =
      run_process({"/usr/bin/python3", "-c",
                   "import random, sys, os\n"
                   "from PIL import Image\n"
                   "random.seed(0)\n"
                   "for split, count in (('train', 24), ('test', 8)):\n"
                   "  for c, colour in enumerate(((200, 30, 30), (30, 30, 200))):\n"
                   "    os.makedirs(f'{sys.argv[1]}/{split}/class{c}', exist_ok=True)\n"
                   "    for i in range(count):\n"
                   "      size = (random.randint(20, 40), random.randint(20, 40))\n"
                   "      image = Image.new('RGB', size, tuple(max(0, v - random.randint(0, 40)) for v in colour))\n"
                   "      image.save(f'{sys.argv[1]}/{split}/class{c}/{i}.' + ('png' if i % 2 else 'jpg'))\n",
                   dir / "colour"});
  ASSERT_EQ(written.exit_status, 0) << written.output;
  auto result = run_forge({"train",        "--data",
                           "images",       "--data_dir",
                           dir / "colour", "--image_size",
                           "16",           "--random_resized_crop",
                           "0.5,1",        "--hflip",
                           "--model",      "mlp",
                           "--epochs",     "3",
                           "--batch_size", "8",
                           "--lr",         "0.01",
                           "--workers",    "2",
                           "--seed",       "1",
                           "--no_progress"},
                          dir.path());
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_TRUE(says(result.output, "test accuracy 1 ")) << result.output;  // red against blue
  const NamedState state = testing::run_state(dir / "checkpoints/images_mlp/1");
  EXPECT_EQ(state.front().second.size(1), 3 * 16 * 16) << state.front().first;
}

// Photo-like JPEGs (textured, 150-260 pixels a side) cropped at random scales to 32 x 32: most
// windows are decoded scaled down and cropped (forge/image_decode.hpp's decode_window). The run is
// the same whatever the workers and exact on resume; --exact_decode decodes whole and so trains
// on other pixels.
TEST(ImagesInColour, WindowedJpegDecodesAreExactOnResumeAndTheSameForAnyWorkers) {
  testing::TempDir dir;
  auto written =
      run_process({"/usr/bin/python3", "-c",
                   "import random, sys, os\n"
                   "from PIL import Image, ImageFilter\n"
                   "random.seed(0)\n"
                   "for split, count in (('train', 40), ('test', 12)):\n"
                   "  for c in range(2):\n"
                   "    os.makedirs(f'{sys.argv[1]}/{split}/class{c}', exist_ok=True)\n"
                   "    for i in range(count):\n"
                   "      w, h = random.randint(150, 260), random.randint(150, 260)\n"
                   "      noise = Image.effect_noise((w, h), 60).filter(ImageFilter.GaussianBlur(2))\n"
                   "      tint = (180, 60, 60) if c == 0 else (60, 60, 180)\n"
                   "      image = Image.merge('RGB', [noise.point(lambda v, t=t: (v + t) // 2) for t in tint])\n"
                   "      image.save(f'{sys.argv[1]}/{split}/class{c}/{i}.jpg', quality=90)\n",
                   dir / "photos"});
  ASSERT_EQ(written.exit_status, 0) << written.output;
  // The same files with a restart marker after every MCU (lossless), which the windowed decode
  // cuts to each window's intervals: the same pixels, so the same run to the bit.
  auto marked = run_process({"/bin/sh", "-c",
                             "cd photos && find . -type d -exec mkdir -p ../marked/{} \\; && "
                             "find . -name '*.jpg' -exec jpegtran -restart 1B -outfile ../marked/{} {} \\;"},
                            dir.path());
  ASSERT_EQ(marked.exit_status, 0) << "jpegtran (libjpeg-turbo-progs, scripts/setup.sh): " << marked.output;
  auto train = [&](const std::string& name, Args more, const std::string& folder = "photos") {
    Args args{"train",
              "--data",
              "images",
              "--data_dir",
              dir / folder,
              "--image_size",
              "32",
              "--random_resized_crop",
              "0.08,1",
              "--hflip",
              "--normalize",
              "0.5,0.25",
              "--model",
              "cnn",
              "--channels",
              "4",
              "--epochs",
              "2",
              "--batch_size",
              "8",
              "--seed",
              "4",
              "--threads",
              "1",
              "--no_progress",
              "--run_name",
              name};
    args.insert(args.end(), more.begin(), more.end());
    return run_forge(args, dir.path());
  };
  auto one = train("one", {"--workers", "1"});
  ASSERT_EQ(one.exit_status, 0) << one.output;
  auto two = train("two", {"--workers", "2"});
  ASSERT_EQ(two.exit_status, 0) << two.output;
  auto exact = train("exact", {"--workers", "2", "--exact_decode"});
  ASSERT_EQ(exact.exit_status, 0) << exact.output;
  auto from_marked = train("cut", {"--workers", "2"}, "marked");
  ASSERT_EQ(from_marked.exit_status, 0) << from_marked.output;
  const NamedState a = testing::run_state(dir / "checkpoints/one/1"), b = testing::run_state(dir / "checkpoints/two/1"),
                   whole = testing::run_state(dir / "checkpoints/exact/1"),
                   from_intervals = testing::run_state(dir / "checkpoints/cut/1");
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.size(), from_intervals.size());
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
    EXPECT_TRUE(torch::equal(a[i].second, from_intervals[i].second)) << a[i].first;
    differs = differs || !torch::equal(a[i].second, whole[i].second);
  }
  EXPECT_TRUE(differs) << "--exact_decode trained on the very same pixels: the windowed decode was not used";
  Args check{"check-resume", "--data",
             "images",       "--data_dir",
             dir / "photos", "--image_size",
             "32",           "--random_resized_crop",
             "0.08,1",       "--hflip",
             "--normalize",  "0.5,0.25",
             "--model",      "cnn",
             "--channels",   "4",
             "--epochs",     "1",
             "--batch_size", "8",
             "--seed",       "4",
             "--threads",    "1",
             "--workers",    "2",
             "--no_progress"};
  auto checked = run_forge(check, dir.path());
  ASSERT_EQ(checked.exit_status, 0) << checked.output;
  EXPECT_TRUE(says(checked.output, "resume is exact: all")) << checked.output;

  // A JPEG cut short where the windowed decode reads it: one line naming the file, exit 6.
  const std::string cut = dir / "photos/test/class1/3.jpg";
  const std::string bytes = testing::text_or_empty(cut);
  testing::write_text(cut, bytes.substr(0, bytes.size() / 4));
  auto broken = train("broken", {"--workers", "2"});
  EXPECT_EQ(broken.exit_status, 6) << broken.output;
  const std::string line = testing::last_line(broken.output);
  EXPECT_TRUE(says(line, "3.jpg") && says(line, "corrupt JPEG")) << line;
}

TEST(Words, CheckResumeIsExactWithPaddedBatches) {
  testing::TempDir dir;
  auto check = run_forge({"check-resume",
                          "--data",
                          "words",
                          "--per_language",
                          "200",
                          "--model",
                          "gru",
                          "--hidden",
                          "16",
                          "--embedding",
                          "8",
                          "--batch_size",
                          "32",
                          "--epochs",
                          "1",
                          "--seed",
                          "2",
                          "--workers",
                          "2",
                          "--stop_at",
                          "7"},
                         dir.path());
  ASSERT_EQ(check.exit_status, 0) << check.output;
  EXPECT_TRUE(says(check.output, "resume is exact: all")) << check.output;
}

// Batches of words of similar length (forge::length_bucketed_batches, the data's own plan):
// exact on resume, with less padding, and --drop_last leaves out each epoch's short batch.
TEST(Words, BatchesBucketedByLengthResumeExactly) {
  testing::TempDir dir;
  const std::vector<std::string> words{"--data",   "words", "--per_language", "200", "--model",  "gru",
                                       "--hidden", "16",    "--embedding",    "8",   "--epochs", "2",
                                       "--seed",   "2"};
  std::vector<std::string> check{"check-resume", "--workers",          "2",   "--stop_at", "29", "--batch_size",
                                 "32",           "--bucket_by_length", "true"};
  check.insert(check.end(), words.begin(), words.end());
  auto checked = run_forge(check, dir.path());
  ASSERT_EQ(checked.exit_status, 0) << checked.output;
  EXPECT_TRUE(says(checked.output, "resume is exact: all")) << checked.output;

  // 800 training words in batches of 48: 17 an epoch, the last of 32; --drop_last leaves it out.
  std::vector<std::string> dropped{"train",     "--drop_last",   "--batch_size", "48",
                                   "--run_dir", dir / "dropped", "--no_progress"};
  dropped.insert(dropped.end(), words.begin(), words.end());
  auto trained = run_forge(dropped, dir.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  EXPECT_EQ(list_checkpoints(dir / "dropped").back(), 32) << "16 whole batches an epoch";
}

// One line of 3 MB in a word list, and in a file of lines: each is refused with its file and
// line, never held whole (a 100 MB line once took 1.4 GB, 4.7 GB as characters).
TEST(TextFiles, ALineLongerThanTheCapIsNamedWithItsFileAndLine) {
  testing::TempDir dir;
  const std::string long_line(3 << 20, 'a');
  testing::write_text(dir / "english", "cat\ndog\n" + long_line + "\nhorse\n");
  testing::write_text(dir / "french", "chat\nchien\ncheval\n");
  auto words = run_forge({"train", "--data", "words", "--dict_dir", dir.path(), "--languages", "english,french",
                          "--tokens", "chars", "--model", "gru"},
                         dir.path());
  EXPECT_EQ(words.exit_status, 6) << words.output;
  EXPECT_TRUE(says(testing::last_line(words.output),
                   "word list " + dir / "english" + " line 3 is longer than 1024 bytes: not a list of words"))
      << words.output;
  testing::write_text(dir / "lines.tsv", "a\tone\nb\ttwo\na\t" + long_line + "\nb\tfour\n");
  auto lines =
      run_forge({"train", "--data", "lines", "--lines_path", dir / "lines.tsv", "--test_every", "2", "--model", "gru"},
                dir.path());
  EXPECT_EQ(lines.exit_status, 6) << lines.output;
  EXPECT_TRUE(
      says(testing::last_line(lines.output), dir / "lines.tsv" + " line 3 is longer than --max_line_bytes 1048576"))
      << lines.output;
  auto raised = run_forge({"train", "--data", "lines", "--lines_path", dir / "lines.tsv", "--test_every", "2",
                           "--max_line_bytes", "4000000", "--model", "gru", "--epochs", "1"},
                          dir.path());
  EXPECT_EQ(raised.exit_status, 0) << raised.output;
}

TEST(Words, AMissingWordListIsOneLineAndLeavesNoRun) {
  testing::TempDir dir;
  auto result =
      run_forge({"train", "--data", "words", "--languages", "american-english,klingon", "--model", "gru"}, dir.path());
  EXPECT_EQ(result.exit_status, 6) << result.output;
  EXPECT_TRUE(says(testing::last_line(result.output), "word list /usr/share/dict/klingon does not exist"))
      << result.output;
  EXPECT_FALSE(fs::exists(dir / "checkpoints"));
}

// A stream: lines "language<TAB>word", languages alternating, from Debian's word lists.
class Lines : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream english("/usr/share/dict/american-english"), french("/usr/share/dict/french");
    std::ostringstream lines;
    std::string a, b;
    for (int i = 0; i < 1500 && std::getline(english, a) && std::getline(french, b); ++i)
      if (i % 3 == 0) lines << "english\t" << a << "\nfrench\t" << b << "\n";
    testing::write_text(dir_ / "words.tsv", lines.str());
  }
  Args run(const std::string& command, Args more = {}, const std::string& batch = "16") {
    Args args{command,
              "--data",
              "lines",
              "--lines_path",
              dir_ / "words.tsv",
              "--model",
              "gru",
              "--hidden",
              "16",
              "--embedding",
              "8",
              "--epochs",
              "2",
              "--batch_size",
              batch,
              "--seed",
              "4",
              "--threads",
              "1",
              "--no_progress"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  testing::TempDir dir_;
};

TEST_F(Lines, CheckResumeIsExactMidEpochWithALoaderThread) {
  auto check = run_forge(run("check-resume", {"--workers", "1", "--stop_at", "37"}), dir_.path());
  ASSERT_EQ(check.exit_status, 0) << check.output;
  EXPECT_TRUE(says(check.output, "resume is exact: all")) << check.output;
}

TEST_F(Lines, TwoProcessesReadTheirSharesAsOneProcessOfTwiceTheBatch) {
  auto two = run_forge(run("train", {"--nproc_per_node", "2", "--run_name", "two", "--workers", "1"}), dir_.path());
  ASSERT_EQ(two.exit_status, 0) << two.output;
  auto one = run_forge(run("train", {"--run_name", "one", "--workers", "0"}, "32"), dir_.path());
  ASSERT_EQ(one.exit_status, 0) << one.output;
  const NamedState a = testing::run_state(dir_ / "checkpoints/two/1"),
                   b = testing::run_state(dir_ / "checkpoints/one/1");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(torch::allclose(a[i].second, b[i].second, 1e-4, 1e-5)) << a[i].first;
}

TEST_F(Lines, ALineWithoutALabelIsNamedBeforeAnyRun) {
  testing::write_text(dir_ / "words.tsv", testing::text_or_empty(dir_ / "words.tsv") + "no tab here\n");
  auto result = run_forge(run("train"), dir_.path());
  EXPECT_EQ(result.exit_status, 6) << result.output;
  EXPECT_TRUE(says(testing::last_line(result.output), "words.tsv line 1001: not LABEL<TAB>TEXT")) << result.output;
  EXPECT_FALSE(fs::exists(dir_ / "checkpoints"));
}

// Flag values no loader or data plugin can follow: one line each, before any run folder.
TEST(SourceFlags, BadValuesAreOneLineErrorsBeforeAnyRun) {
  testing::TempDir dir;
  const std::vector<std::string> pairs{"cat",    "chat", "dog",    "chien", "horse",
                                       "cheval", "bird", "oiseau", "fish",  "poisson"};
  std::string ten_lines;
  for (size_t i = 0; i < pairs.size(); ++i) ten_lines += (i % 2 ? "french\t" : "english\t") + pairs[i] + "\n";
  testing::write_text(dir / "words.tsv", ten_lines);
  const Args words{"train", "--data", "words", "--per_language", "50", "--model", "gru", "--epochs", "1"};
  const Args lines{"train", "--data", "lines", "--lines_path", dir / "words.tsv", "--model", "gru", "--epochs", "1"};
  auto with = [](Args args, const Args& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  const std::vector<std::tuple<Args, int, std::string>> cases{
      {with(words, {"--workers", "-2"}), 2, "--workers must be 0 or more"},
      {with(words, {"--prefetch", "0"}), 2, "--prefetch must be at least 1"},
      {with(words, {"--tokens", "words"}), 6, "--tokens must be bytes or chars"},
      {with(lines, {"--test_every", "1"}), 6, "--test_every must be at least 2"},
      {with(lines, {"--valid_fraction", "0.2"}), 2, "--valid_fraction cannot carve a stream"},
      {{"train", "--data", "images", "--model", "cnn"}, 6, "give --data_dir"},
      {with(words, {"--sample_timeout", "0"}), 2, "--sample_timeout must be a positive number of seconds"},
      {with(lines, {"--max_line_bytes", "0"}), 6, "--max_line_bytes must be at least 1"},
      {{"train", "--data", "images", "--data_dir", dir.path(), "--model", "cnn", "--max_image_pixels", "0"},
       6,
       "--max_image_pixels must be at least 1"},
      {with(words, {"--init_weights", dir / "words.tsv", "--init_rename", "fc"}), 2,
       "--init_rename fc: expected OLD=NEW"},
  };
  for (const auto& [args, code, message] : cases) {
    auto result = run_forge(args, dir.path());
    EXPECT_EQ(result.exit_status, code) << result.output;
    EXPECT_TRUE(says(testing::last_line(result.output), message)) << result.output;
  }
  EXPECT_FALSE(fs::exists(dir / "checkpoints"));
}

// One bad-input case: a folder made by `prepare` from a small copy of the PNG folders.
class BadImages : public ::testing::Test {
 protected:
  void SetUp() override {
    write_image_folders(dir_ / "folders");
    folder_ = dir_ / "folders/png";
  }
  ProcessResult train(Args more = {}, const std::string& folder = "") {
    Args args{"train",
              "--data",
              "images",
              "--data_dir",
              folder.empty() ? folder_ : folder,
              "--model",
              "cnn",
              "--channels",
              "4",
              "--epochs",
              "1",
              "--seed",
              "1",
              "--no_progress"};
    args.insert(args.end(), more.begin(), more.end());
    return run_forge(args, dir_.path());
  }
  // A training image (not the first: that one sizes the run) replaced by `bytes`.
  std::string spoil(const std::string& bytes) {
    const std::string file = folder_ + "/train/3-dress/00100.png";
    if (!fs::exists(file)) {
      std::vector<std::string> files;
      for (fs::directory_iterator it(folder_ + "/train/3-dress"), end; it != end; ++it)
        files.push_back(it->path().string());
      std::sort(files.begin(), files.end());
      testing::write_text(files[1], bytes);
      return files[1];
    }
    testing::write_text(file, bytes);
    return file;
  }
  testing::TempDir dir_;
  std::string folder_;
};

TEST_F(BadImages, AMissingOrEmptyFolderStopsBeforeAnyRun) {
  auto missing = train({}, dir_ / "nowhere");
  EXPECT_EQ(missing.exit_status, 6) << missing.output;
  EXPECT_TRUE(says(testing::last_line(missing.output), "does not exist")) << missing.output;
  fs::create_directories(dir_ / "empty/train");
  auto empty = train({}, dir_ / "empty");
  EXPECT_EQ(empty.exit_status, 6) << empty.output;
  EXPECT_TRUE(says(testing::last_line(empty.output), "has no class folders")) << empty.output;
  fs::create_directories(folder_ + "/train/99-nothing");
  auto no_images = train();
  EXPECT_EQ(no_images.exit_status, 6) << no_images.output;
  EXPECT_TRUE(says(testing::last_line(no_images.output), "99-nothing has no .png, .jpg or .jpeg images"))
      << no_images.output;
  EXPECT_FALSE(fs::exists(dir_ / "checkpoints"));
}

TEST_F(BadImages, ATruncatedImageStopsTheRunNamingItAfterACheckpoint) {
  const std::string good = testing::text_or_empty(folder_ + "/train/3-dress/" + [&] {
    std::vector<std::string> files;
    for (fs::directory_iterator it(folder_ + "/train/3-dress"), end; it != end; ++it)
      files.push_back(it->path().filename().string());
    std::sort(files.begin(), files.end());
    return files[1];
  }());
  const std::string file = spoil(good.substr(0, good.size() / 2));
  auto result = train({"--normalize", "none", "--checkpoint_every", "2"});
  EXPECT_EQ(result.exit_status, 6) << result.output;
  const std::string line = testing::last_line(result.output);
  EXPECT_TRUE(says(line, file)) << line;
  EXPECT_TRUE(says(line, "train sample ")) << line;
  EXPECT_TRUE(says(line, "corrupt PNG")) << line;
  const std::string run = dir_ / "checkpoints/images_cnn/1";
  EXPECT_EQ(read_json(run + "/manifest.json")["status"], "failed");
  EXPECT_FALSE(list_checkpoints(run).empty());  // what was trained is kept
}

TEST_F(BadImages, ANonImageFileStopsTheRunAndSkipBadSamplesCountsItInstead) {
  const std::string file = spoil("this is not an image\n");
  auto stopped = train({"--normalize", "none"});
  EXPECT_EQ(stopped.exit_status, 6) << stopped.output;
  EXPECT_TRUE(says(testing::last_line(stopped.output), file + "): not a PNG or JPEG image")) << stopped.output;
  auto skipped = train({"--normalize", "none", "--skip_bad_samples", "--run_name", "skipping"});
  ASSERT_EQ(skipped.exit_status, 0) << skipped.output;
  EXPECT_TRUE(says(skipped.output, "skipped train sample")) << skipped.output;
  double bad = -1;
  for (const auto& row : read_metrics(dir_ / "checkpoints/skipping/1"))
    if (row.name == "bad_samples") bad = row.value;
  EXPECT_EQ(bad, 1);
}

TEST_F(BadImages, AnImageOfAnotherSizeIsNamedUnlessImageSizeResizesThemAll) {
  // A 32 x 32 PNG among the 28 x 28 ones.
  auto written = run_process({"/usr/bin/python3", "-c",
                              "import sys; from PIL import Image; Image.new('L', (32, 32), 200).save(sys.argv[1])",
                              folder_ + "/train/3-dress/zz-large.png"});
  ASSERT_EQ(written.exit_status, 0) << written.output;
  auto stopped = train({"--normalize", "none"});
  EXPECT_EQ(stopped.exit_status, 6) << stopped.output;
  EXPECT_TRUE(says(testing::last_line(stopped.output), "zz-large.png): the image is 32x32")) << stopped.output;
  auto resized = train({"--normalize", "none", "--image_size", "28", "--run_name", "resized"});
  EXPECT_EQ(resized.exit_status, 0) << resized.output;
}

// The images plugin's decoders and transforms are public (forge/image_decode.hpp,
// forge/image_ops.hpp): a user's plugin compiled by forge decodes JPEGs with them and trains.
TEST(PublicImageHelpers, AUsersPluginDecodesAndTransformsWithForgesHeaders) {
  testing::TempDir dir;
  auto written = run_process({"/usr/bin/python3", testing::source_dir() + "/scripts/image_folders.py", dir / "folders",
                              "--train", "40", "--test", "10", "--formats", "jpeg"});
  ASSERT_EQ(written.exit_status, 0) << written.output;
  auto trained = run_forge({"train", "--data", testing::source_dir() + "/tests/data/plugins/flipped_images.cpp",
                            "--folder", dir / "folders/jpeg/train", "--model", "mlp", "--epochs", "1", "--no_progress",
                            "true", "--run_dir", dir / "run"},
                           dir.path());
  EXPECT_EQ(trained.exit_status, 0) << trained.output;
}

// Image bombs among the training images (tests/data/images/make_bombs.py): each is refused from
// its header or its size before anything is allocated for it, named as a bad sample, and left
// out under --skip_bad_samples.
TEST_F(BadImages, ImageBombsAreRefusedFromTheirHeadersAsBadSamples) {
  auto made = run_process(
      {"/usr/bin/python3", testing::source_dir() + "/tests/data/images/make_bombs.py", folder_ + "/train/3-dress"});
  ASSERT_EQ(made.exit_status, 0) << made.output;
  auto stopped = train({"--normalize", "none", "--max_file_mb", "1"});
  EXPECT_EQ(stopped.exit_status, 6) << stopped.output;
  EXPECT_TRUE(says(testing::last_line(stopped.output), "3-dress/bomb-")) << stopped.output;
  auto skipped = train({"--normalize", "none", "--max_file_mb", "1", "--skip_bad_samples", "--run_name", "skipping"});
  ASSERT_EQ(skipped.exit_status, 0) << skipped.output;
  for (const char* why : {"bomb-png.png): its header claims 100000x100000 pixels, more than --max_image_pixels",
                          "bomb-jpeg.jpg): its header claims 65500x65500 pixels, more than --max_image_pixels",
                          "strip.png): it is 1000000x1 pixels, longer than 100 times its width",
                          "padded.png): the file is 2 MiB, more than --max_file_mb 1"})
    EXPECT_TRUE(says(skipped.output, why)) << why << "\n" << skipped.output;
  double bad = -1;
  for (const auto& row : read_metrics(dir_ / "checkpoints/skipping/1"))
    if (row.name == "bad_samples") bad = row.value;
  EXPECT_EQ(bad, 4);
  auto too_large = train({"--image_size", "20000"});
  EXPECT_EQ(too_large.exit_status, 6) << too_large.output;
  EXPECT_TRUE(says(testing::last_line(too_large.output), "--image_size 20000 makes images of more than"))
      << too_large.output;
}

// The README's own source plugin (examples/text_file_folder.cpp): a folder of text files, one
// sample each, compiled by forge and trained on.
class TextFileFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 30; ++i) {
        std::ostringstream numbers;
        for (int f = 0; f < 4; ++f)
          numbers << (f == c ? 2.0 : 0.0) + 0.1 * ((i * 7 + f * 3) % 5) << (f < 3 ? ", " : "\n");
        testing::write_text(dir_ / ("samples/class" + std::to_string(c) + "/" + std::to_string(100 + i) + ".txt"),
                            numbers.str());
      }
  }
  ProcessResult train(Args more = {}) { return run_forge(train_args(std::move(more)), dir_.path()); }
  Args train_args(Args more) {
    Args args{"train",
              "--data",
              testing::source_dir() + "/examples/text_file_folder.cpp",
              "--folder",
              dir_ / "samples",
              "--model",
              "mlp",
              "--epochs",
              "15",
              "--batch_size",
              "8",
              "--lr",
              "0.01",
              "--jitter",
              "0.05",
              "--workers",
              "2",
              "--seed",
              "1",
              "--no_progress"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  testing::TempDir dir_;
};

TEST_F(TextFileFolder, TheReadmesSourcePluginTrains) {
  auto result = train();
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_TRUE(says(result.output, "test accuracy 1 ")) << result.output;
}

TEST_F(TextFileFolder, ASampleOfAnotherLengthDoesNotCollateAndIsNamed) {
  testing::write_text(dir_ / "samples/class1/105.txt", "1, 2, 3, 4, 5\n");
  auto result = train();
  EXPECT_EQ(result.exit_status, 6) << result.output;
  const std::string line = testing::last_line(result.output);
  EXPECT_TRUE(says(line, "does not collate: field 'inputs' has shape")) << line;
  EXPECT_TRUE(says(line, "[5] in sample 28")) << line;  // class1's fifth training file
}

// A sample whose file blocks on open (a FIFO here; a stalled network file system in life): the
// run answers SIGTERM while it waits for that batch (a checkpoint at the step it stands on, exit
// 143), and --sample_timeout names the file instead of waiting for ever.
TEST_F(TextFileFolder, AStuckReadAnswersSigtermAndTheSampleTimeoutNamesIt) {
  const std::string fifo = dir_ / "samples/class2/125.txt";
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string run = dir_ / "stuck";
  Args args = train_args({"--run_dir", run, "--sample_timeout", "600"});
  const int pid = testing::spawn_forge(args, dir_.path(), dir_ / "stuck.log");
  ASSERT_TRUE(testing::wait_until([&] { return fs::exists(run + "/manifest.json"); }, 120))
      << testing::text_or_empty(dir_ / "stuck.log");
  std::this_thread::sleep_for(std::chrono::seconds(3));  // 72 samples: the FIFO's batch is long due
  ::kill(pid, SIGTERM);
  int status = -1;
  const bool exited = testing::wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 30);
  if (!exited) ::kill(pid, SIGKILL);
  ASSERT_TRUE(exited) << "SIGTERM was not answered\n" << testing::text_or_empty(dir_ / "stuck.log");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 143) << testing::text_or_empty(dir_ / "stuck.log");
  EXPECT_EQ(read_json(run + "/manifest.json")["status"], "interrupted");
  EXPECT_TRUE(says(testing::text_or_empty(dir_ / "stuck.log"), "while waiting for a training batch"));

  auto timed_out = train({"--sample_timeout", "1", "--run_dir", dir_ / "timed_out"});
  EXPECT_EQ(timed_out.exit_status, 6) << timed_out.output;
  EXPECT_TRUE(says(testing::last_line(timed_out.output), "(" + fifo + "): still not loaded after --sample_timeout 1 s"))
      << timed_out.output;
  EXPECT_EQ(read_json(dir_ / "timed_out/manifest.json")["status"], "failed");
}

}  // namespace
}  // namespace forge
