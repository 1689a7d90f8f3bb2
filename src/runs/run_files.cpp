#include "runs/run_files.hpp"

#include <cstdio>
#include <set>

namespace forge {

std::string manifest_file(const std::string& run_dir) { return run_dir + "/manifest.json"; }
std::string flags_file(const std::string& run_dir) { return run_dir + "/flags.json"; }
std::string log_file(const std::string& run_dir) { return run_dir + "/log.txt"; }
std::string metrics_file(const std::string& run_dir) { return run_dir + "/metrics.csv"; }
std::string tensorboard_folder(const std::string& run_dir) { return run_dir; }
std::string evals_file(const std::string& run_dir) { return run_dir + "/evals.json"; }
std::string lock_file(const std::string& run_dir) { return run_dir + "/.lock"; }
std::string sweep_point_file(const std::string& run_dir) { return run_dir + "/sweep_point.json"; }
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

bool is_temporary_file(const std::string& name) { return name.find(".tmp.") != std::string::npos; }

}  // namespace forge
