// Every bad input gets one clear error line, its documented exit code, and leaves existing
// runs exactly as they were.
#include "core/atomic_file.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace fs = boost::filesystem;

namespace forge {
namespace {

using testing::last_line;

class BadInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    auto trained = testing::run_forge(
        {"train", "--data", "synthetic", "--model", "mlp", "--epochs", "1", "--run_name", "good", "--samples", "64"},
        dir_->path());
    ASSERT_EQ(trained.exit_status, 0) << trained.output;
  }
  static void TearDownTestSuite() { delete dir_; }

  void SetUp() override { before_ = testing::tree_digest(dir_->path()); }

  // Runs forge, expects `code` and an error line containing `message`, and no change on disk.
  void expect_error(const std::vector<std::string>& args, int code, const std::string& message) {
    ProcessResult result = testing::run_forge(args, dir_->path());
    EXPECT_EQ(result.exit_status, code) << result.output;
    std::string line = last_line(result.output);
    EXPECT_EQ(line.rfind("forge: error: ", 0), 0u) << result.output;
    EXPECT_NE(line.find(message), std::string::npos) << line;
    EXPECT_EQ(result.output.find("terminate called"), std::string::npos) << result.output;
    EXPECT_EQ(testing::tree_digest(dir_->path()), before_) << "the command changed files on disk";
  }

  std::string path(const std::string& name) { return *dir_ / name; }
  std::string run() { return path("checkpoints/good/1"); }

  static testing::TempDir* dir_;
  std::string before_;
};

testing::TempDir* BadInput::dir_ = nullptr;

TEST_F(BadInput, PluginPathThatDoesNotExist) {
  expect_error({"train", "--data", "./missing.cpp", "--model", "mlp"}, 4, "plugin file ./missing.cpp does not exist");
  expect_error({"train", "--data", "nosuchplugin", "--model", "mlp"}, 4, "plugin 'nosuchplugin' not found");
}

TEST_F(BadInput, FileThatIsNotAForgePlugin) {
  testing::TempDir other;
  testing::write_text(other / "fake.so", "this is text");
  expect_error({"train", "--data", other / "fake.so", "--model", "mlp"}, 4, "cannot be loaded");
  expect_error({"train", "--data", testing::fixtures_dir() + "/not_a_plugin.so", "--model", "mlp"}, 4,
               "is not a forge plugin");
}

TEST_F(BadInput, SourceThatDoesNotCompile) {
  testing::TempDir other;
  testing::write_text(other / "broken.cpp", "#include <forge/plugin.hpp>\nint broken( {\n");
  ProcessResult result = testing::run_forge({"train", "--data", other / "broken.cpp", "--model", "mlp"}, dir_->path());
  EXPECT_EQ(result.exit_status, 3);
  EXPECT_NE(result.output.find("broken.cpp:2:"), std::string::npos) << result.output;
  EXPECT_EQ(last_line(result.output).rfind("forge: error: cannot compile", 0), 0u) << result.output;
  EXPECT_EQ(testing::tree_digest(dir_->path()), before_);
}

TEST_F(BadInput, LoadWithTheWrongSignatureDoesNotCompile) {
  testing::TempDir other;
  testing::write_text(other / "wrong.cpp", R"(#include <forge/plugin.hpp>
namespace {
std::vector<forge::FlagSpec> flags() { return {}; }
int load(const forge::Flags&) { return 0; }
}  // namespace
FORGE_DATA_PLUGIN(flags, load)
)");
  ProcessResult result = testing::run_forge({"train", "--data", other / "wrong.cpp", "--model", "mlp"}, dir_->path());
  EXPECT_EQ(result.exit_status, 3) << result.output;
  EXPECT_NE(result.output.find("a data plugin's load must be: forge::DataMap load(const forge::Flags&)"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(testing::tree_digest(dir_->path()), before_);
}

TEST_F(BadInput, PluginWithoutLoad) {
  expect_error({"train", "--data", testing::fixtures_dir() + "/no_load_plugin.so", "--model", "mlp"}, 4,
               "has no load entry point");
}

TEST_F(BadInput, PluginBuiltForAnotherAbi) {
  expect_error({"train", "--data", testing::fixtures_dir() + "/other_abi_plugin.so", "--model", "mlp"}, 4,
               "was built for plugin ABI 999");
}

TEST_F(BadInput, DataPluginGivenAsModel) {
  expect_error({"train", "--data", "synthetic", "--model", "synthetic"}, 4,
               "is a data plugin, but was given as the model plugin");
}

TEST_F(BadInput, UnknownFlagNamesTheClosest) {
  expect_error({"train", "--data", "synthetic", "--model", "mlp", "--n_hiden", "3"}, 2,
               "unknown flag --n_hiden; did you mean --n_hidden?");
}

TEST_F(BadInput, FlagValueOfTheWrongType) {
  expect_error({"train", "--data", "synthetic", "--model", "mlp", "--epochs", "two"}, 2,
               "invalid value 'two' for --epochs: expected an integer");
  expect_error({"train", "--data", "synthetic", "--model", "mlp", "--optimizer", "adamm"}, 2, "did you mean adam?");
}

TEST_F(BadInput, MissingPluginAndUnknownCommand) {
  expect_error({"train", "--data", "synthetic"}, 2, "forge train needs --model");
  expect_error({"trian"}, 2, "unknown command 'trian'; did you mean train?");
}

TEST_F(BadInput, ResumeOrEvalOfAFolderThatIsNotARun) {
  expect_error({"resume", path("checkpoints")}, 5, "is not a forge run folder");
  expect_error({"eval", path("checkpoints/good")}, 5, "is not a forge run folder");
  expect_error({"eval", path("nowhere")}, 5, "does not exist");
}

TEST_F(BadInput, EvalOfARunWithoutCheckpoint) {
  testing::TempDir copy;
  fs::create_directories(copy / "run");
  for (const char* f : {"manifest.json", "flags.json"}) fs::copy_file(run() + "/" + f, copy / "run" + "/" + f);
  expect_error({"eval", copy / "run"}, 5, "has no intact checkpoint");
  expect_error({"eval", run(), "--checkpoint", "12345"}, 5, "has no checkpoint at step 12345");
}

TEST_F(BadInput, TruncatedCheckpoint) {
  testing::TempDir copy;
  ProcessResult copied = run_process({"cp", "-r", run(), copy / "run"});
  ASSERT_EQ(copied.exit_status, 0);
  std::string checkpoint = copy / "run/checkpoints/step-00000002.ckpt";
  std::string bytes = read_file(checkpoint);
  write_file_atomically(checkpoint, bytes.substr(0, bytes.size() - 100));
  std::string copy_before = testing::tree_digest(copy.path());
  expect_error({"eval", copy / "run", "--checkpoint", "2"}, 5, "is truncated");
  expect_error({"eval", copy / "run"}, 5, "has no intact checkpoint");
  EXPECT_EQ(testing::tree_digest(copy.path()), copy_before);
}

// An idx header that claims 2^96 bytes (the element count overflowed), one that claims more
// than the file holds, and a small .gz that would expand past the cap: each a clear data
// error before anything is allocated.
TEST_F(BadInput, HostileIdxFiles) {
  testing::TempDir data;
  auto idx = [](uint32_t magic, std::vector<uint32_t> dims, size_t payload) {
    std::string bytes;
    for (uint32_t word : [&] {
           dims.insert(dims.begin(), magic);
           return dims;
         }())
      for (int shift : {24, 16, 8, 0}) bytes.push_back(char((word >> shift) & 0xff));
    return bytes + std::string(payload, '\0');
  };
  testing::write_text(data / "train-labels-idx1-ubyte", idx(0x801, {10}, 10));
  testing::write_text(data / "train-images-idx3-ubyte", idx(0x803, {0xffffffffu, 0xffffffffu, 0xffffffffu}, 16));
  const std::vector<std::string> train{"train", "--data", "mnist", "--model", "mlp", "--data_dir", data.path()};
  expect_error(train, 6, "claims more than --max_file_mb 4096 MiB of data");
  testing::write_text(data / "train-images-idx3-ubyte", idx(0x803, {10, 28, 28}, 100));
  expect_error(train, 6, "is truncated or has trailing data (its header claims 7840 bytes of data)");
  testing::write_text(data / "train-images-idx3-ubyte", idx(0x803, {4000, 28, 28}, 4000 * 28 * 28));
  ASSERT_EQ(run_process({"gzip", "-f", data / "train-images-idx3-ubyte"}).exit_status, 0);
  auto capped = train;
  capped.insert(capped.end(), {"--max_file_mb", "1"});
  expect_error(capped, 6, "claims more than --max_file_mb 1 MiB of data");
}

TEST_F(BadInput, ACsvThatExpandsPastTheCap) {
  testing::TempDir data;
  std::string rows = "a,b,label\n";
  while (rows.size() < (3u << 20)) rows += "1,2,0\n3,4,1\n";
  testing::write_text(data / "big.csv", rows);
  ASSERT_EQ(run_process({"gzip", "-f", data / "big.csv"}).exit_status, 0);
  expect_error({"train", "--data", "csv", "--csv_path", data / "big.csv.gz", "--model", "mlp", "--max_file_mb", "2"}, 6,
               "is larger than --max_file_mb 2 MiB once decompressed");
}

// The one-line error and exit code of a command run in `cwd` (not the suite's folder).
void expect_error_in(const std::string& cwd, const std::vector<std::string>& args, int code, const std::string& message,
                     const std::vector<std::string>& environment = {}) {
  std::vector<std::string> argv{"env"};
  argv.insert(argv.end(), environment.begin(), environment.end());
  argv.push_back(testing::forge_binary());
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult result = run_process(argv, cwd);
  EXPECT_EQ(result.exit_status, code) << result.output;
  const std::string line = last_line(result.output);
  EXPECT_EQ(line.rfind("forge: error: ", 0), 0u) << result.output;
  EXPECT_NE(line.find(message), std::string::npos) << line;
}

TEST_F(BadInput, APluginNameThatIsBothHereAndBuiltIn) {
  testing::TempDir here;
  testing::write_text(here / "mlp.so", "a file named like the built-in");
  expect_error_in(here.path(), {"train", "--data", "synthetic", "--model", "mlp.so"}, 2,
                  "plugin 'mlp.so' is ambiguous: ./mlp.so here");
}

TEST_F(BadInput, APluginCacheWritableByOthers) {
  testing::TempDir cache, here;
  boost::filesystem::create_directories(cache / "forge");
  boost::filesystem::permissions(cache / "forge", boost::filesystem::perms(0777));
  testing::write_text(here / "net.cpp", "#include <forge/plugin.hpp>\n");
  expect_error_in(here.path(), {"compile", "net.cpp"}, 4, "is writable by others; forge loads what it holds",
                  {"XDG_CACHE_HOME=" + cache.path()});
}

TEST_F(BadInput, ASweepValueThatWouldBecomeShellCodeOnTheNodes) {
  testing::TempDir here;
  expect_error_in(
      here.path(),
      {"sweep", "--launcher", "slurm", "--data", "synthetic", "--model", "mlp", "--run_name", "a\nrm -rf ~"}, 2,
      "holds a control character");
  EXPECT_FALSE(boost::filesystem::exists(here / "checkpoints")) << "refused before any run folder";
}

// One parser reads every command's line: the same one-line errors, each naming its command, and
// a --help that lists what the command accepts.
TEST_F(BadInput, EveryCommandReadsItsLineWithTheSameParser) {
  const std::string r = run();
  const std::vector<std::pair<std::string, std::vector<std::string>>> commands{
      {"train", {"--data", "synthetic", "--model", "mlp"}},
      {"resume", {r}},
      {"eval", {r}},
      {"export", {r}},
      {"compile", {"net.cpp"}},
      {"runs", {}},
      {"show", {r}},
      {"diff", {r, r}},
      {"report", {}}};
  for (const auto& [command, operands] : commands) {
    std::vector<std::string> args{command};
    args.insert(args.end(), operands.begin(), operands.end());
    args.push_back("--bogus");
    expect_error(args, 2, "unknown flag --bogus for forge " + command + "; see forge " + command + " --help");
    args.back() = "--help";
    ProcessResult help = testing::run_forge(args, dir_->path());
    EXPECT_EQ(help.exit_status, 0) << help.output;
    EXPECT_EQ(help.output.rfind("usage: forge " + command, 0), 0u) << help.output;
  }
  for (const std::string command : {"resume", "eval", "export", "show", "diff", "compile"})
    expect_error({command}, 2, "forge " + command + " needs ");
  expect_error({"runs", "a", "b"}, 2, "unexpected argument 'b': forge runs takes 1 operand(s) (DIR)");
  expect_error({"runs", "--sort"}, 2, "--sort needs a value; see forge runs --help");
  expect_error({"report", "-o", "a.html", "--output", "b.html"}, 2, "flag --output is given more than once");
  expect_error({"sweep", "--data", "synthetic", "--model", "mlp", "-j", "-3"}, 2, "invalid value '-3' for --jobs");
  expect_error({"check-resume", "--data", "synthetic", "--model", "mlp", "--stop_at", "x"}, 2,
               "invalid value 'x' for --stop_at: expected an integer");
  expect_error({"show", r, "--depth", "-1"}, 2, "invalid value '-1' for --depth");
}

TEST_F(BadInput, AManifestOfTheWrongShape) {
  testing::TempDir copy;
  ASSERT_EQ(run_process({"cp", "-r", run(), copy / "run"}).exit_status, 0);
  testing::write_text(copy / "run/manifest.json", R"({"status": "completed", "plugins": {"data": 5}})");
  expect_error_in(copy.path(), {"eval", "run"}, 5, "manifest.json is damaged");
}

TEST_F(BadInput, DataFolderWithoutIdxFiles) {
  testing::TempDir empty;
  expect_error({"train", "--data", "mnist", "--model", "mlp", "--data_dir", empty.path()}, 6,
               "has no train-images-idx3-ubyte[.gz]");
}

}  // namespace
}  // namespace forge
