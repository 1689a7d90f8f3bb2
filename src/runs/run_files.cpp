#include "runs/run_files.hpp"

#include "core/atomic_file.hpp"
#include "core/decimal.hpp"

#include <cstdio>
#include <set>

namespace forge {
namespace {

constexpr int64_t largest_step = 999'999'999'999'999;  // 10^15 steps: no run takes more

}  // namespace

std::string manifest_file(const std::string& run_dir) { return run_dir + "/manifest.json"; }
std::string flags_file(const std::string& run_dir) { return run_dir + "/flags.json"; }
std::string log_file(const std::string& run_dir) { return run_dir + "/log.txt"; }
std::string metrics_file(const std::string& run_dir) { return run_dir + "/metrics.csv"; }
std::string tensorboard_folder(const std::string& run_dir) { return run_dir; }
std::string evals_file(const std::string& run_dir) { return run_dir + "/evals.json"; }
std::string model_summary_file(const std::string& run_dir) { return run_dir + "/model.json"; }
std::string lock_file(const std::string& run_dir) { return run_dir + "/.lock"; }
std::string sweep_point_file(const std::string& run_dir) { return run_dir + "/sweep_point.json"; }
std::string tracking_file(const std::string& folder) { return folder + "/tracking.json"; }
std::string checkpoints_folder(const std::string& run_dir) { return run_dir + "/checkpoints"; }

std::string checkpoint_path(const std::string& run_dir, int64_t step) {
  char name[40];
  std::snprintf(name, sizeof name, "/step-%08lld.ckpt", static_cast<long long>(step));
  return checkpoints_folder(run_dir) + name;
}

std::string initial_weights_file(const std::string& run_dir) { return run_dir + "/initial_weights.ckpt"; }

std::string tables_folder(const std::string& run_dir) { return run_dir + "/tables"; }

std::string table_path(const std::string& run_dir, const std::string& split, const std::string& name, int64_t step) {
  char file[40];
  std::snprintf(file, sizeof file, "-step-%08lld.csv", static_cast<long long>(step));
  return tables_folder(run_dir) + "/" + split + "/" + name + file;
}

std::string images_folder(const std::string& run_dir) { return run_dir + "/images"; }

std::string image_path(const std::string& run_dir, const std::string& name, int64_t epoch) {
  char file[40];
  std::snprintf(file, sizeof file, "/epoch-%04lld.png", static_cast<long long>(epoch));
  return images_folder(run_dir) + "/" + name + file;
}

std::string plugin_folder(const std::string& run_dir, const std::string& role) { return run_dir + "/plugins/" + role; }

std::string plugin_library_in_run(const std::string& role, const std::string& name) {
  return "plugins/" + role + "/" + name + ".so";
}

std::string plugin_sources_folder(const std::string& run_dir, const std::string& role) {
  return plugin_folder(run_dir, role) + "/src";
}

std::string git_diff_file(const std::string& run_dir, const std::string& role) {
  return plugin_folder(run_dir, role) + "/git.diff";
}

bool is_run_start_file(const std::string& name) {
  static const std::set<std::string> start_files{".lock", "log.txt", "flags.json", "plugins", "sweep_point.json"};
  return start_files.count(name) > 0;
}

int64_t parse_checkpoint_name(const std::string& name) {
  const std::string prefix = "step-", suffix = ".ckpt";
  if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return -1;
  const int64_t step =
      parse_decimal(name.substr(prefix.size(), name.size() - prefix.size() - suffix.size()), largest_step);
  // Only the one spelling checkpoint_path makes: "step-1.ckpt" is not step 1's file.
  return step >= 0 && checkpoint_path("", step) == "/checkpoints/" + name ? step : -1;
}

bool is_stale_temporary_file(const std::string& name, bool in_checkpoints) {
  const std::string target = target_of_temporary_name(name);
  if (target.empty() || target.find('/') != std::string::npos) return false;
  if (in_checkpoints) return parse_checkpoint_name(target) >= 0;
  for (const std::string& file :
       {manifest_file(""), flags_file(""), evals_file(""), metrics_file(""), sweep_point_file(""),
        initial_weights_file(""), model_summary_file(""), tracking_file("")})
    if (file == "/" + target) return true;
  return false;
}

}  // namespace forge
