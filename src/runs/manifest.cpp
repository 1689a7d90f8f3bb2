#include "runs/manifest.hpp"

#include "core/atomic_file.hpp"
#include "core/process.hpp"
#include "plugins/build_config.hpp"
#include "runs/run_files.hpp"

#include <forge/error.hpp>
#include <forge/plugin.hpp>

#include <boost/filesystem.hpp>
#include <unistd.h>

#include <ctime>
#include <fstream>

namespace forge {
namespace {

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

}  // namespace

json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ExitCode::run, "cannot read " + path);
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw Error(ExitCode::run, path + " is not valid JSON (" + e.what() + ")");
  }
}

void write_json_atomically(const std::string& path, const json& value) {
  write_file_atomically(path, value.dump(2) + "\n");
}

std::string now_iso8601() {
  std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&now));
  return text;
}

json new_manifest(const std::vector<std::string>& command_line, int threads) {
  const BuildConfig& build = build_config();
  json manifest{{"forge_version", build.forge_version},
              {"libtorch_version", build.libtorch_version},
              {"compiler", build.compiler_version},
              {"plugin_abi", plugin_abi_version},
              {"command_line", command_line},
              {"cpu", cpu_model()},
              {"threads", threads},
              {"started", now_iso8601()},
              {"ended", nullptr},
              {"status", "running"},
              {"reason", ""}};
  record_this_process(manifest);
  return manifest;
}

void record_this_process(json& manifest) {
  manifest["pid"] = ::getpid();
  manifest["host"] = host_name();
}

void record_status(const std::string& run_dir, const std::string& status, const std::string& reason) {
  std::string path = manifest_file(run_dir);
  json manifest = read_json(path);
  manifest["status"] = status;
  manifest["reason"] = reason;
  manifest["ended"] = now_iso8601();
  write_json_atomically(path, manifest);
}

void record_completed(const std::string& run_dir, int64_t step, const std::string& reason) {
  std::string path = manifest_file(run_dir);
  json manifest = read_json(path);
  manifest["status"] = "completed";
  manifest["reason"] = reason;
  manifest["ended"] = now_iso8601();
  manifest["evaluated_step"] = step;
  write_json_atomically(path, manifest);
}

int64_t evaluated_step(const json& manifest) {
  if (manifest.contains("evaluated_step")) return manifest["evaluated_step"].get<int64_t>();
  if (manifest.value("status", "") == "completed" && manifest.contains("progress"))
    return manifest["progress"].value("step", int64_t(-1));
  return -1;
}

void record_progress(const std::string& run_dir, int64_t step, int64_t epochs_done, int64_t epochs_asked,
                     int64_t max_steps) {
  std::string path = manifest_file(run_dir);
  if (!boost::filesystem::exists(path)) return;
  json manifest = read_json(path);
  manifest["progress"] = {{"step", step}, {"epochs_done", epochs_done}, {"epochs", epochs_asked}, {"max_steps", max_steps}};
  write_json_atomically(path, manifest);
}

}  // namespace forge
