#include "runs/manifest.hpp"

#include "core/build_config.hpp"
#include "core/process.hpp"
#include "runs/run_files.hpp"

#include <forge/error.hpp>
#include <forge/plugin.hpp>

#include <unistd.h>
#include <boost/filesystem.hpp>

#include <ctime>
#include <fstream>
#include <stdexcept>
#include <type_traits>

namespace forge {
namespace {

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// A value of the wrong shape: parse_manifest's callers turn it into a forge error.
[[noreturn]] void damaged(const std::string& what) { throw std::invalid_argument(what); }

// `value` as a T. Throws json::type_error when it has another type, and std::invalid_argument
// for a number that is no whole number where one is expected (converting 7e78 to an integer is
// undefined behaviour, not an exception, in the JSON library).
template <class T>
T value_as(const json& value, const char* key) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    if (!value.is_number_integer()) damaged(std::string(key) + " is not a whole number");
  return value.get<T>();
}

// Moves `key` out of `rest` into `out` (left as it is when the key is absent or null).
template <class T>
void take(json& rest, const char* key, T& out) {
  auto it = rest.find(key);
  if (it == rest.end()) return;
  if (!it->is_null()) out = value_as<T>(*it, key);
  rest.erase(it);
}

template <class T>
void take(json& rest, const char* key, std::optional<T>& out) {
  auto it = rest.find(key);
  if (it == rest.end()) return;
  if (!it->is_null()) out = value_as<T>(*it, key);
  rest.erase(it);
}

template <class T, class Parse>
void take_object(json& rest, const char* key, std::optional<T>& out, Parse parse) {
  auto it = rest.find(key);
  if (it == rest.end()) return;
  if (it->is_object()) out = parse(json(*it));
  rest.erase(it);
}

PluginRecord plugin_from_json(json rest) {
  if (!rest.is_object()) damaged("a plugin record is not an object");
  PluginRecord p;
  take(rest, "name", p.name);
  take(rest, "given", p.given);
  take(rest, "library", p.library);
  take(rest, "sha1", p.sha1);
  take(rest, "source", p.source);
  take(rest, "sources", p.sources);
  take(rest, "source_origin", p.source_origin);
  take_object(rest, "git", p.git, [](json git) {
    GitRecord g;
    take(git, "root", g.root);
    take(git, "commit", g.commit);
    take(git, "dirty", g.dirty);
    return g;
  });
  p.unknown = std::move(rest);
  return p;
}

json plugin_to_json(const PluginRecord& p) {
  json out = p.unknown;
  out["name"] = p.name;
  out["given"] = p.given;
  out["library"] = p.library;
  out["sha1"] = p.sha1;
  out["sources"] = p.sources;
  if (!p.source.empty()) out["source"] = p.source;
  if (!p.source_origin.empty()) out["source_origin"] = p.source_origin;
  if (p.git) out["git"] = {{"root", p.git->root}, {"commit", p.git->commit}, {"dirty", p.git->dirty}};
  return out;
}

// A list of records under `key`, each read by `parse`; the key is taken from `rest`.
template <class T, class Parse>
void take_list(json& rest, const char* key, std::vector<T>& out, Parse parse) {
  auto it = rest.find(key);
  if (it == rest.end()) return;
  if (!it->is_array()) damaged(std::string(key) + " is not a list");
  for (const json& record : *it) out.push_back(parse(record));
  rest.erase(it);
}

ResumeRecord resume_from_json(json rest) {
  if (!rest.is_object()) damaged("a resume record is not an object");
  ResumeRecord r;
  take(rest, "started", r.started);
  take(rest, "command_line", r.command_line);
  take(rest, "from_step", r.from_step);
  take(rest, "threads", r.threads);
  take(rest, "workers", r.workers);
  take(rest, "forced", r.forced);
  return r;
}

RestartRecord restart_from_json(json rest) {
  if (!rest.is_object()) damaged("a restart record is not an object");
  RestartRecord r;
  take(rest, "time", r.time);
  take(rest, "rank", r.rank);
  take(rest, "exit", r.exit);
  take(rest, "after_step", r.after_step);
  take(rest, "from_step", r.from_step);
  return r;
}

// The fields of a manifest (a JSON object); throws json::exception or std::invalid_argument for
// a value of another type or shape.
Manifest parse_manifest(json rest) {
  Manifest m;
  take(rest, "forge_version", m.forge_version);
  take(rest, "libtorch_version", m.libtorch_version);
  take(rest, "cuda_version", m.cuda_version);
  take(rest, "compiler", m.compiler);
  take(rest, "plugin_abi", m.plugin_abi);
  take(rest, "command_line", m.command_line);
  take(rest, "host", m.host);
  take(rest, "cpu", m.cpu);
  take(rest, "pid", m.pid);
  take(rest, "threads", m.threads);
  take(rest, "workers", m.workers);
  take(rest, "started", m.started);
  take(rest, "ended", m.ended);
  take(rest, "status", m.status);
  take(rest, "reason", m.reason);
  if (rest.contains("plugins")) {
    if (!rest["plugins"].is_object()) damaged("plugins is not an object");
    for (const auto& [role, record] : rest["plugins"].items()) m.plugins[role] = plugin_from_json(record);
  }
  rest.erase("plugins");
  take(rest, "flush_denormal", m.flush_denormal);
  take(rest, "deterministic", m.deterministic);
  take(rest, "device", m.device);
  take_object(rest, "seed", m.seed, [](json seed) {
    SeedRecord s;
    take(seed, "value", s.value);
    take(seed, "drawn", s.drawn);
    return s;
  });
  take(rest, "world_size", m.world_size);
  take_object(rest, "progress", m.progress, [](json progress) {
    ProgressRecord p;
    take(progress, "step", p.step);
    take(progress, "epochs_done", p.epochs_done);
    take(progress, "epochs", p.epochs);
    take(progress, "max_steps", p.max_steps);
    return p;
  });
  take(rest, "evaluated_step", m.evaluated_step);
  take_list(rest, "resumes", m.resumes, resume_from_json);
  take_list(rest, "restarts", m.restarts, restart_from_json);
  m.unknown = std::move(rest);
  return m;
}

}  // namespace

json to_json(const Manifest& m) {
  json out = m.unknown;
  out["forge_version"] = m.forge_version;
  out["libtorch_version"] = m.libtorch_version;
  if (m.cuda_version) out["cuda_version"] = *m.cuda_version;
  out["compiler"] = m.compiler;
  out["plugin_abi"] = m.plugin_abi;
  out["command_line"] = m.command_line;
  out["host"] = m.host;
  out["cpu"] = m.cpu;
  out["pid"] = m.pid;
  out["threads"] = m.threads;
  if (m.workers) out["workers"] = *m.workers;
  out["started"] = m.started;
  out["ended"] = m.ended.empty() ? json(nullptr) : json(m.ended);
  out["status"] = m.status;
  out["reason"] = m.reason;
  if (!m.plugins.empty()) {
    out["plugins"] = json::object();
    for (const auto& [role, record] : m.plugins) out["plugins"][role] = plugin_to_json(record);
  }
  if (m.flush_denormal) out["flush_denormal"] = *m.flush_denormal;
  if (m.deterministic) out["deterministic"] = *m.deterministic;
  if (!m.device.empty()) out["device"] = m.device;
  if (m.seed) out["seed"] = {{"value", m.seed->value}, {"drawn", m.seed->drawn}};
  out["world_size"] = m.world_size;
  if (m.progress)
    out["progress"] = {{"step", m.progress->step},
                       {"epochs_done", m.progress->epochs_done},
                       {"epochs", m.progress->epochs},
                       {"max_steps", m.progress->max_steps}};
  if (m.evaluated_step) out["evaluated_step"] = *m.evaluated_step;
  if (!m.resumes.empty()) {
    out["resumes"] = json::array();
    for (const auto& r : m.resumes) {
      json record{{"started", r.started},
                  {"command_line", r.command_line},
                  {"from_step", r.from_step},
                  {"threads", r.threads},
                  {"forced", r.forced}};
      if (r.workers) record["workers"] = *r.workers;
      out["resumes"].push_back(record);
    }
  }
  if (!m.restarts.empty()) {
    out["restarts"] = json::array();
    for (const auto& r : m.restarts)
      out["restarts"].push_back({{"time", r.time},
                                 {"rank", r.rank},
                                 {"exit", r.exit},
                                 {"after_step", r.after_step},
                                 {"from_step", r.from_step}});
  }
  return out;
}

Manifest manifest_from_json(const json& value) {
  if (!value.is_object()) throw Error(ExitCode::run, "the manifest is damaged (not a JSON object)");
  try {
    return parse_manifest(value);
  } catch (const std::exception& e) {
    throw Error(ExitCode::run, std::string("the manifest is damaged (") + e.what() + ")");
  }
}

Manifest read_manifest(const std::string& run_dir) {
  const std::string path = manifest_file(run_dir);
  json value = read_json(path);
  if (!value.is_object()) throw Error(ExitCode::run, path + " is damaged (not a JSON object)");
  try {
    return parse_manifest(std::move(value));
  } catch (const std::exception& e) {
    throw Error(ExitCode::run, path + " is damaged (" + e.what() + ")");
  }
}

void write_manifest(const std::string& run_dir, const Manifest& manifest) {
  write_json_atomically(manifest_file(run_dir), to_json(manifest));
}

std::string now_iso8601() {
  std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&now));
  return text;
}

Manifest new_manifest(const std::vector<std::string>& command_line, int threads) {
  const BuildConfig& build = build_config();
  Manifest m;
  m.forge_version = build.forge_version;
  m.libtorch_version = build.libtorch_version;
  m.cuda_version = build.cuda_version;
  m.compiler = build.compiler_version;
  m.plugin_abi = plugin_abi_version;
  m.command_line = command_line;
  m.cpu = cpu_model();
  m.threads = threads;
  m.started = now_iso8601();
  record_this_process(m);
  return m;
}

void record_this_process(Manifest& manifest) {
  manifest.pid = ::getpid();
  manifest.host = host_name();
}

void record_status(const std::string& run_dir, const std::string& status, const std::string& reason) {
  Manifest manifest = read_manifest(run_dir);
  manifest.status = status;
  manifest.reason = reason;
  manifest.ended = now_iso8601();
  write_manifest(run_dir, manifest);
}

void record_restart(const std::string& run_dir, const RestartRecord& restart) {
  Manifest manifest = read_manifest(run_dir);
  manifest.restarts.push_back(restart);
  write_manifest(run_dir, manifest);
}

void record_completed(const std::string& run_dir, int64_t step, const std::string& reason) {
  Manifest manifest = read_manifest(run_dir);
  manifest.status = "completed";
  manifest.reason = reason;
  manifest.ended = now_iso8601();
  manifest.evaluated_step = step;
  write_manifest(run_dir, manifest);
}

int64_t evaluated_step(const Manifest& manifest) {
  if (manifest.evaluated_step) return *manifest.evaluated_step;
  if (manifest.status == "completed" && manifest.progress) return manifest.progress->step;
  return -1;
}

void record_progress(const std::string& run_dir, int64_t step, int64_t epochs_done, int64_t epochs_asked,
                     int64_t max_steps) {
  if (!boost::filesystem::exists(manifest_file(run_dir))) return;
  Manifest manifest = read_manifest(run_dir);
  manifest.progress = ProgressRecord{step, epochs_done, epochs_asked, max_steps};
  write_manifest(run_dir, manifest);
}

}  // namespace forge
