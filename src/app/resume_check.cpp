#include "app/resume_check.hpp"

#include "core/build_config.hpp"
#include "runs/manifest.hpp"
#include "train/lr_schedule.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <set>

namespace forge {
namespace {

// Flags whose change leaves every computed value as it would have been: they only extend or
// shorten the run, change what is evaluated, logged or kept, or name where the run lives.
const std::set<std::string>& neutral_flags() {
  static const std::set<std::string> names{
      "epochs", "max_steps", "log_every", "checkpoint_every", "keep_checkpoints", "keep_best", "early_stopping",
      "eval_every_steps", "eval_test_every", "stop_after_steps", "stop_after_epochs", "run_dir", "config", "force",
      "checkpoint_dir", "run_name", "no_progress", "node_rank", "master_addr", "master_port", "dist_timeout",
      "async_checkpoint", "workers", "prefetch", "sample_timeout", "eval_batch_size", "tracking_uri", "max_restarts",
      // Without it a bad sample fails the run; with it the run goes on: no run that completes either way differs.
      "skip_bad_samples",
      // Another number of processes shares the same global batch (app/world_share.hpp).
      "nproc_per_node", "nnodes"};
  return names;
}

// The run's length shapes cosine and onecycle schedules: changing it changes every rate after.
bool breaks_exactness(const std::string& flag, const Flags& now) {
  if (!neutral_flags().count(flag)) return true;
  bool length = flag == "epochs" || flag == "max_steps";
  return length && now.has("lr_schedule") && depends_on_run_length(parse_schedule_kind(now.text("lr_schedule")));
}

// What prepare_saved_plugin found (and hashed) when it loaded the plugin: nothing is read again.
void compare_plugin(const PreparedPlugin& plugin, const std::string& role, std::vector<ResumeDifference>& out) {
  if (!plugin.rebuilt_because.empty())
    out.push_back({role + " plugin " + plugin.rebuilt_because + ": rebuilt from its saved source", true});
  else if (!plugin.loaded_despite.empty())
    out.push_back({role + " plugin " + plugin.loaded_despite + ": loaded as it is (--force)", true});
}

// Whether two spellings of a flag value mean the same: numbers compare by value (flags.json
// holds --lr 1e-3 as 0.001), anything else by text.
bool same_value(const std::string& saved, const std::string& now) {
  if (saved == now) return true;
  try {
    size_t used_saved, used_now;
    const double a = std::stod(saved, &used_saved), b = std::stod(now, &used_now);
    return used_saved == saved.size() && used_now == now.size() && a == b;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::vector<ResumeDifference> resume_differences(const SavedRun& run, const Flags& now) {
  std::vector<ResumeDifference> out;
  for (const auto& [name, value] : now.all()) {
    std::string saved = run.flags.has(name) ? run.flags.text(name) : "(not set)";
    if (same_value(saved, value)) continue;
    out.push_back({"--" + name + ": " + saved + " (saved) -> " + value + " (now)", breaks_exactness(name, now)});
  }
  compare_plugin(run.data_plugin, "data", out);
  compare_plugin(run.model_plugin, "model", out);
  const BuildConfig& build = build_config();
  const std::string& libtorch = run.manifest.libtorch_version;
  if (libtorch != build.libtorch_version)
    out.push_back({"libtorch " + libtorch + " (saved) -> " + build.libtorch_version + " (now)", true});
  // Another CUDA changes the GPU's kernels, not the CPU's: it breaks exactness only on a GPU.
  const std::optional<std::string>& cuda = run.manifest.cuda_version;
  if (cuda && *cuda != build.cuda_version) {
    const bool on_gpu = now.has("device") && now.text("device").rfind("cuda", 0) == 0;
    auto name = [](const std::string& version) { return version.empty() ? std::string("none") : version; };
    out.push_back({"CUDA " + name(*cuda) + " (saved) -> " + name(build.cuda_version) + " (now)", on_gpu});
  }
  const std::string& forge_version = run.manifest.forge_version;
  if (forge_version != build.forge_version)
    out.push_back({"forge " + forge_version + " (saved) -> " + build.forge_version + " (now)", false});
  return out;
}

std::vector<std::string> check_resume(const std::vector<ResumeDifference>& differences, bool force) {
  std::vector<std::string> breaking;
  for (const auto& d : differences) {
    spdlog::info("resume differs from the run's record: {}{}", d.what, d.breaks_exactness ? " [breaks exactness]" : "");
    if (d.breaks_exactness) breaking.push_back(d.what);
  }
  if (!breaking.empty() && !force) {
    std::string list;
    for (const auto& b : breaking) list += (list.empty() ? "" : "; ") + b;
    throw Error(ExitCode::usage, "resuming would not continue the run exactly (" + list +
                                     "); pass --force to resume anyway, and it will be recorded in the run");
  }
  return breaking;
}

}  // namespace forge
