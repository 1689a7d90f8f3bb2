// forge installed the ways C++ libraries install: `cmake --install` into a prefix (used from
// there by forge's own commands and by an outside CMake project), and `cpack -G DEB`.
#include "core/atomic_file.hpp"
#include "core/build_config.hpp"
#include "test_support.hpp"

#include <forge/plugin.hpp>

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/filesystem.hpp>

#include <fstream>
#include <regex>

namespace fs = boost::filesystem;

namespace forge {
namespace {

bool says(const ProcessResult& result, const std::string& text) {
  return result.output.find(text) != std::string::npos;
}

// Runs `argv` with XDG_CACHE_HOME set to `cache`: a plugin cache of the test's own.
ProcessResult run_with_cache(const std::string& cache, std::vector<std::string> argv, const std::string& cwd) {
  argv.insert(argv.begin(), {"env", "XDG_CACHE_HOME=" + cache});
  return run_process(argv, cwd);
}

class Installed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    prefix_ = new testing::TempDir;
    auto installed = run_process({"cmake", "--install", testing::build_dir(), "--prefix", prefix_->path()}, "");
    ASSERT_EQ(installed.exit_status, 0) << installed.output;
  }
  static void TearDownTestSuite() {
    delete prefix_;
    prefix_ = nullptr;
  }
  static std::string forge() { return *prefix_ / "bin/forge"; }

  static inline testing::TempDir* prefix_ = nullptr;
};

TEST_F(Installed, PrefixHoldsForgeItsEngineLibraryHeadersPluginsPackageAndCompletion) {
  for (const std::string file : {"bin/forge", "lib/forge/forge-engine", "lib/libforge.so", "include/forge/run.hpp",
                                 "include/forge/plugin.hpp", "lib/forge/plugins/mnist.so", "lib/forge/plugins/mlp.so",
                                 "lib/forge/plugins/mlp.cpp", "lib/forge/plugins/gan.so", "include/forge/metric.hpp",
                                 "include/forge/optimization.hpp", "lib/cmake/forge/forgeConfig.cmake",
                                 "lib/cmake/forge/forgeTargets.cmake", "share/bash-completion/completions/forge"})
    EXPECT_TRUE(fs::exists(*prefix_ / file)) << file;
  ProcessResult version = run_process({forge(), "--version"}, "");
  EXPECT_EQ(version.exit_status, 0);
  const BuildConfig& build = build_config();
  EXPECT_TRUE(says(version, "forge " + build.forge_version + " (" +
                                libtorch_text(build.libtorch_version, build.cuda_version) + ", " +
                                build.compiler_version + ", plugin ABI " + std::to_string(plugin_abi_version) + ")"))
      << version.output;
}

// `man forge-train` from the prefix (MANPATH), made at build time from the command's own --help.
TEST_F(Installed, ManPagesOfEveryCommandComeFromItsHelp) {
  for (const std::string page :
       {"forge", "forge-train", "forge-resume", "forge-eval", "forge-export", "forge-sweep", "forge-compile",
        "forge-runs", "forge-show", "forge-diff", "forge-report", "forge-check-resume"})
    EXPECT_TRUE(fs::exists(*prefix_ / ("share/man/man1/" + page + ".1"))) << page;
  ProcessResult page = run_process(
      {"env", "MANPATH=" + (*prefix_ / "share/man"), "MANWIDTH=200", "man", "-P", "cat", "forge-train"}, "");
  ASSERT_EQ(page.exit_status, 0) << page.output;
  ProcessResult help = run_process({forge(), "train", "--help"}, "");
  for (const std::string flag : {"--epochs", "--keep_best", "--dist_backend", "--init_skip_mismatched"}) {
    EXPECT_TRUE(says(help, flag)) << flag;
    EXPECT_TRUE(says(page, flag)) << flag << "\n" << page.output;
  }
  EXPECT_TRUE(says(page, "EXIT STATUS")) << page.output;
  ProcessResult runs =
      run_process({"env", "MANPATH=" + (*prefix_ / "share/man"), "MANWIDTH=200", "man", "-P", "cat", "forge-runs"}, "");
  EXPECT_TRUE(says(runs, "forge runs [DIR]")) << runs.output;
}

TEST_F(Installed, TrainsWithItsPluginsAndCompilesPluginsAgainstItsOwnHeaders) {
  testing::TempDir work;
  const std::string cache = work / "cache";
  ProcessResult trained = run_with_cache(
      cache,
      {forge(), "train", "--data", "synthetic", "--model", "mlp", "--epochs", "1", "--seed", "1", "--no_progress"},
      work.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  EXPECT_TRUE(fs::exists(work / "checkpoints/synthetic_mlp/1/plugins/model/src/mlp.cpp"));
  ProcessResult evaluated = run_with_cache(cache, {forge(), "eval", "checkpoints/synthetic_mlp/1"}, work.path());
  EXPECT_EQ(evaluated.exit_status, 0) << evaluated.output;

  // A plugin that compiles only against the installed headers, which this test marks.
  std::ofstream(*prefix_ / "include/forge/plugin.hpp", std::ios::app) << "\n#define FORGE_TEST_INSTALLED_HEADERS 1\n";
  testing::write_text(work / "marked.cpp",
                      "#include <forge/plugin.hpp>\n"
                      "#ifndef FORGE_TEST_INSTALLED_HEADERS\n"
                      "#error compiled against another forge's headers\n"
                      "#endif\n" +
                          read_file(testing::source_dir() + "/plugins/mlp.cpp"));
  ProcessResult compiled = run_with_cache(cache, {forge(), "compile", "marked.cpp"}, work.path());
  ASSERT_EQ(compiled.exit_status, 0) << compiled.output;
  EXPECT_TRUE(says(compiled, "precompiling <torch/torch.h> for plugin builds")) << compiled.output;
  EXPECT_TRUE(says(compiled, cache + "/forge/plugins/")) << compiled.output;
  // The check can fail: the build tree's forge compiles against the source tree's headers.
  EXPECT_EQ(run_with_cache(cache, {testing::forge_binary(), "compile", "marked.cpp"}, work.path()).exit_status, 3);

  // The precompiled header is built once per user.
  ProcessResult second = run_with_cache(
      cache, {forge(), "compile", testing::source_dir() + "/tests/data/plugins/tiny_net.cpp"}, work.path());
  ASSERT_EQ(second.exit_status, 0) << second.output;
  EXPECT_FALSE(says(second, "precompiling")) << second.output;
}

// An edit of the public headers without a plugin ABI bump used to reuse plugin libraries
// cached from the old headers.
TEST_F(Installed, EditingItsPublicHeadersRebuildsCachedPlugins) {
  testing::TempDir work;
  const std::string cache = work / "cache";
  testing::write_text(work / "tiny.cpp",
                      "#include <forge/plugin.hpp>\n"
                      "namespace { std::vector<forge::FlagSpec> flags() { return {}; } }\n"
                      "int load() { return 0; }\n"
                      "FORGE_PLUGIN_IDENTITY(data, flags)\nFORGE_PLUGIN_LOAD(load)\n");
  auto compile = [&] { return run_with_cache(cache, {forge(), "compile", "tiny.cpp"}, work.path()); };
  ASSERT_EQ(compile().exit_status, 0);
  ProcessResult again = compile();
  EXPECT_TRUE(says(again, "cached build found")) << again.output;
  std::ofstream(*prefix_ / "include/forge/model.hpp", std::ios::app) << "\n// edited without an ABI bump\n";
  ProcessResult edited = compile();
  ASSERT_EQ(edited.exit_status, 0) << edited.output;
  EXPECT_TRUE(says(edited, "compiled in")) << edited.output;
}

// An installed forge builds its precompiled torch header on the first compile that needs it.
// Two torch plugins of one `forge train` compile at once: both used to build it under the same
// temporary name, and one rename failed.
TEST_F(Installed, TwoFirstCompilesAtOnceShareOnePrecompiledHeader) {
  testing::TempDir work;
  const std::string cache = work / "cache";
  fs::copy_file(testing::source_dir() + "/plugins/synthetic.cpp", work / "my_data.cpp");
  fs::copy_file(testing::source_dir() + "/plugins/mlp.cpp", work / "my_net.cpp");
  ProcessResult trained = run_with_cache(
      cache,
      {forge(), "train", "--data", "./my_data.cpp", "--model", "./my_net.cpp", "--samples", "64", "--epochs", "1"},
      work.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  size_t builds = 0;
  for (size_t at = trained.output.find("precompiling <torch/torch.h>"); at != std::string::npos;
       at = trained.output.find("precompiling <torch/torch.h>", at + 1))
    ++builds;
  EXPECT_EQ(builds, 1u) << trained.output;
}

TEST_F(Installed, OutsideProjectFindsForgeWithFindPackageAndUsesARun) {
  testing::TempDir work;
  ProcessResult configured =
      run_process({"cmake", "-S", testing::source_dir() + "/examples", "-B", work / "build", "-G", "Ninja",
                   "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_PREFIX_PATH=" + prefix_->path(),
                   "-DCMAKE_CXX_COMPILER=" + build_config().compiler},
                  work.path());
  ASSERT_EQ(configured.exit_status, 0) << configured.output;
  ProcessResult built = run_process({"cmake", "--build", work / "build"}, work.path());
  ASSERT_EQ(built.exit_status, 0) << built.output;
  ProcessResult linked = run_process({"ldd", work / "build/predict"}, work.path());
  EXPECT_TRUE(says(linked, prefix_->path() + "/lib/libforge.so")) << linked.output;

  ProcessResult trained = run_with_cache(work / "cache",
                                         {forge(), "train", "--data", "synthetic", "--model", "mlp", "--epochs", "1",
                                          "--seed", "2", "--run_name", "outside", "--no_progress"},
                                         work.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  ProcessResult predicted = run_process({work / "build/predict", "checkpoints/outside/1", "--count", "3"}, work.path());
  ASSERT_EQ(predicted.exit_status, 0) << predicted.output;
  EXPECT_TRUE(says(predicted, "checkpoint step 16 (epoch 1)")) << predicted.output;
  EXPECT_TRUE(says(predicted, " of 3 right")) << predicted.output;
}

// The .deb depends on Debian's packages by name; installed with dpkg (root only, and only where no
// forge package is installed already), its forge trains. Removed again at the end.
TEST(DebianPackage, InstallsWithDebianDependenciesAndTrainsAnEpoch) {
  if (build_config().link_libraries.empty() || build_config().link_libraries[0].rfind("/usr/lib/", 0) != 0)
    GTEST_SKIP() << "the .deb is for a forge built on Debian's libtorch; this one uses "
                 << build_config().link_libraries[0];
  testing::TempDir work;
  ProcessResult packed = run_process(
      {"cpack", "-G", "DEB", "-B", work.path(), "--config", testing::build_dir() + "/CPackConfig.cmake"}, work.path());
  ASSERT_EQ(packed.exit_status, 0) << packed.output;
  const std::string deb = work / ("forge_" + build_config().forge_version + "_amd64.deb");
  ASSERT_TRUE(fs::exists(deb)) << packed.output;
  ProcessResult depends = run_process({"dpkg-deb", "-f", deb, "Depends"}, work.path());
  // libtorch1.13 and libboost1.74-dev on Debian 12, libtorch2.6 and libboost1.83-dev on Debian 13.
  const std::string version = build_config().libtorch_version;
  const std::string libtorch_package = "libtorch" + version.substr(0, version.rfind('.'));
  for (const std::string package : {"libtorch-dev", libtorch_package.c_str(), "libopenblas0-openmp"})
    EXPECT_TRUE(says(depends, package)) << depends.output;
  EXPECT_TRUE(std::regex_search(depends.output, std::regex("(^|, )libboost1\\.[0-9]+-dev(,|$)"))) << depends.output;
  EXPECT_TRUE(says(depends, build_config().compiler.find("clang") != std::string::npos ? "clang" : "g++"));

  if (::geteuid() != 0) GTEST_SKIP() << "installing a .deb takes root";
  if (says(run_process({"dpkg-query", "-W", "-f=${Status}", "forge"}, ""), "ok installed"))
    GTEST_SKIP() << "a forge package is installed on this machine; the test does not replace it";
  ProcessResult installed = run_process({"dpkg", "-i", deb}, work.path());
  struct Purge {
    ~Purge() { run_process({"dpkg", "--purge", "forge"}, ""); }
  } purge_at_exit;
  ASSERT_EQ(installed.exit_status, 0) << installed.output;

  ProcessResult trained = run_with_cache(work / "cache",
                                         {"/usr/bin/forge", "train", "--data", "synthetic", "--model", "mlp",
                                          "--epochs", "1", "--seed", "1", "--no_progress"},
                                         work.path());
  ASSERT_EQ(trained.exit_status, 0) << trained.output;
  EXPECT_TRUE(says(trained, "completed: trained 1 epochs")) << trained.output;
  EXPECT_TRUE(fs::exists("/usr/share/bash-completion/completions/forge"));
  ProcessResult page = run_process({"env", "MANWIDTH=200", "man", "-P", "cat", "forge-train"}, "");
  EXPECT_EQ(page.exit_status, 0) << page.output;
  EXPECT_TRUE(says(page, "--keep_best")) << page.output;

  ASSERT_EQ(run_process({"dpkg", "--purge", "forge"}, "").exit_status, 0);
  EXPECT_FALSE(fs::exists("/usr/bin/forge"));
  EXPECT_FALSE(fs::exists("/usr/lib/libforge.so"));
}

// The wheel's TorchConfig finds libc10 on CMAKE_PREFIX_PATH and the system's folders first: on a
// machine that also has Debian's libtorch, a configure given only the wheel's share/cmake must
// stop with one message rather than link the two libc10s into one program.
TEST(Configure, AWheelsLibtorchBesideDebiansLibc10IsRefused) {
  const std::string wheel_cmake = testing::source_dir() + "/.venv-torch/lib/python3.11/site-packages/torch/share/cmake";
  if (!fs::is_directory(wheel_cmake) || !fs::exists("/usr/lib/x86_64-linux-gnu/libc10.so"))
    GTEST_SKIP() << "needs the PyPI wheel (scripts/setup.sh --torch pypi) and Debian's libtorch";
  testing::TempDir build;
  ProcessResult configured = run_process({"cmake", "-S", testing::source_dir(), "-B", build.path(), "-G", "Ninja",
                                          "-DFORGE_BUILD_TESTS=OFF", "-DCMAKE_PREFIX_PATH=" + wheel_cmake},
                                         build.path());
  EXPECT_NE(configured.exit_status, 0) << configured.output;
  // CMake wraps the message: compare with its whitespace collapsed.
  const std::string said = std::regex_replace(configured.output, std::regex("\\s+"), " ");
  EXPECT_NE(said.find("its libc10 was found at /usr/lib/x86_64-linux-gnu/libc10.so, another libtorch's"),
            std::string::npos)
      << configured.output;
}

}  // namespace
}  // namespace forge
