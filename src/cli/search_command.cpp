// forge search: a hyperparameter search over train flags — sampled (random, Halton, TPE, grid),
// scheduled (ASHA, Hyperband, none) — whose trials are ordinary run folders that a promotion
// continues from their checkpoint, so a trial that reaches the full budget is the run
// `forge train` with its flags would have made. Resumable by launching the same command again.
#include "app/prepared_plugin.hpp"
#include "app/run_flags.hpp"
#include "app/train_new_run.hpp"
#include "cli/command_help.hpp"
#include "cli/commands.hpp"
#include "cli/slurm_flags.hpp"
#include "core/text_table.hpp"
#include "search/samplers.hpp"
#include "search/search_loop.hpp"
#include "search/study.hpp"
#include "search/study_tracking.hpp"
#include "tracking/tracking_uri.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

namespace fs = boost::filesystem;

namespace forge {
namespace {

const char* usage =
    "usage: forge search --data P --model M [train flags] --FLAG SPACE [--FLAG SPACE ...] [search flags]\n"
    "       forge search --status SEARCH_DIR\n"
    "Searches the train flags given a SPACE instead of a value: uniform:LOW:HIGH, loguniform:LOW:HIGH,\n"
    "int:LOW:HIGH, logint:LOW:HIGH or choice:A,B,... (also in a --config file). Each trial is an\n"
    "ordinary run folder trained for --max_budget epochs as far as its rung: the scheduler stops it\n"
    "at a rung (min_budget * eta^k epochs) and promotes the best 1/eta of each rung, whose runs\n"
    "continue from their checkpoint, exactly as if never stopped. The study is\n"
    "<checkpoint_dir>/<run_name>/searches/<id>/search.json (the trials' runs in trials/ beside it);\n"
    "launching the same command again continues it. Ends with the trials table and the best\n"
    "trial as a forge train command.\n";

FlagSet search_syntax() {
  FlagSet set("search");
  set.declare(
      {integer_flag("trials", 20, "how many trials the search starts"),
       text_flag("sampler", "random", "random | halton (quasi-random) | tpe (Tree-structured Parzen Estimator) | grid"),
       text_flag("scheduler", "asha",
                 "asha (successive halving) | hyperband (brackets of asha) | none (every trial the full budget) | "
                 "pbt (population-based training)"),
       integer_flag("min_budget", 1, "epochs of the first rung"),
       integer_flag("max_budget", 9, "epochs of a trial that reaches the top rung (its runs' --epochs)"),
       integer_flag("eta", 3, "rungs grow by this factor, and the best 1/eta of a rung is promoted"),
       text_flag("metric", "valid/loss:min", "SPLIT/NAME:min|max read at each rung (valid or train)"),
       integer_flag("jobs", 1, "trial segments trained at once (here, or as SLURM jobs)"),
       text_flag("launcher", "local", "local (here) or slurm (each trial segment one sbatch job)"),
       integer_flag("retries", 1,
                    "times a failed segment is tried again from its checkpoint before its trial is "
                    "given up"),
       integer_flag("search_seed", 0, "seeds the sampler and the trials' --seed (unless --seed is fixed)"),
       integer_flag("perturb_every", 1, "pbt: epochs per generation"),
       real_flag("pbt_quantile", "0.25", "pbt: the share of the population replaced by copies of the best share"),
       text_flag("status", "", "SEARCH_DIR: print that search's trials and its best configuration"),
       text_flag("reproduce", "", "SEARCH_DIR: print a bash script that retrains --trial's run from its lineage"),
       integer_flag("trial", -1, "the trial --reproduce retrains (default: the best)")},
      "forge search");
  set.declare(slurm_flag_specs(), "forge search on SLURM");
  set.add_short_name('j', "jobs");
  set.forward_undeclared();
  return set;
}

// The train flags as `--name value` pairs, a --config file's entries after those the command
// line gives (which win), and the config itself no more: the trials get every flag explicitly.
std::vector<std::pair<std::string, std::string>> train_flag_pairs(const Args& args) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0 || arg.size() < 3)
      throw Error(ExitCode::usage, "unexpected argument '" + arg + "'; train flags are written --name value");
    const auto equals = arg.find('=');
    if (equals != std::string::npos)
      pairs.emplace_back(arg.substr(2, equals - 2), arg.substr(equals + 1));
    else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0)
      pairs.emplace_back(arg.substr(2), args[++i]);
    else
      pairs.emplace_back(arg.substr(2), "true");  // a bare switch
  }
  std::string config;
  for (const auto& [name, value] : pairs)
    if (name == "config") config = value;
  if (config.empty()) return pairs;
  std::vector<std::pair<std::string, std::string>> merged;
  for (const auto& pair : pairs)
    if (pair.first != "config") merged.push_back(pair);
  for (const auto& entry : config_entries(config))
    if (std::none_of(merged.begin(), merged.end(), [&](auto& p) { return p.first == entry.first; }))
      merged.push_back(entry);
  return merged;
}

std::string pairs_value(const std::vector<std::pair<std::string, std::string>>& pairs, const std::string& name) {
  for (const auto& [n, v] : pairs)
    if (n == name) return v;
  return "";
}

// A dimension's flag must exist and take its values.
void check_dimension_flag(const Dimension& d, const FlagSet& flags) {
  if (!flags.declares(d.flag)) flags.spec(d.flag);  // throws: unknown flag, with the closest
  if (d.flag == "data" || d.flag == "model")
    throw Error(ExitCode::usage, "the space --" + d.flag + " " + d.text() +
                                     ": plugins are not searched; search "
                                     "each plugin on its own");
  const FlagType type = flags.spec(d.flag).type;
  const bool numeric = d.kind == DimensionKind::uniform || d.kind == DimensionKind::loguniform;
  if (numeric && type != FlagType::real)
    throw Error(ExitCode::usage,
                "the space --" + d.flag + " " + d.text() + " draws numbers, and --" + d.flag + " takes " +
                    (type == FlagType::integer ? "whole numbers: use int: or logint:" : "no number: use choice:"));
  const bool whole = d.kind == DimensionKind::integer || d.kind == DimensionKind::log_integer;
  if (whole && type != FlagType::integer && type != FlagType::real)
    throw Error(ExitCode::usage, "the space --" + d.flag + " " + d.text() + " draws numbers, and --" + d.flag +
                                     " takes none: use choice:");
  if (d.kind == DimensionKind::choice) {
    for (const auto& choice : d.choices) {
      try {
        flags.normalise(d.flag, choice);
      } catch (const Error& e) {
        throw Error(ExitCode::usage, "the space --" + d.flag + " " + d.text() + ": " + e.what());
      }
    }
  }
}

struct Planned {
  SearchSettings settings;
  std::string dir;
};

// The search's own settings from its flags (the schedule checked).
SearchSettings search_settings(const Flags& own) {
  SearchSettings s;
  s.sampler = own.text("sampler");
  s.schedule.scheduler = own.text("scheduler");
  s.schedule.min_budget = int(std::clamp<int64_t>(own.integer("min_budget"), -1, 1000000));
  s.schedule.max_budget = int(std::clamp<int64_t>(own.integer("max_budget"), -1, 1000000));
  s.schedule.eta = int(std::clamp<int64_t>(own.integer("eta"), -1, 1000000));
  s.schedule.trials = size_t(std::clamp<int64_t>(own.integer("trials"), 0, 1000000));
  s.schedule.perturb_every = int(std::clamp<int64_t>(own.integer("perturb_every"), -1, 1000000));
  s.schedule.quantile = own.real("pbt_quantile");
  s.metric = parse_search_metric(own.text("metric"));
  s.seed = uint64_t(own.integer("search_seed"));
  s.retries = int(std::clamp<int64_t>(own.integer("retries"), -1, 1000));
  if (s.retries < 0) throw Error(ExitCode::usage, "--retries must not be negative");
  check_schedule(s.schedule);
  return s;
}

// Forge train's checks of the search, before anything is written: the plugins prepared, every
// space's flag declared and of its kind, and the data and model loaded with the fixed flags, the
// watched metric, and each choice and both ends of each range.
void check_against_forge_train(const SearchSettings& s, const PreparedPlugins& plugins) {
  const FlagSet flag_set = train_flag_set(plugins.data, plugins.model);
  for (const auto& d : s.space) check_dimension_flag(d, flag_set);
  // A probe: forge train's checks of the fixed flags with `extra` flags (the others at their
  // defaults), so that an error names what caused it.
  auto probe = [&](const Args& extra) {
    Args args = s.fixed_args;
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {"--epochs", std::to_string(s.schedule.max_budget)});
    check_new_run(plugins, flag_set.parse(args));
  };
  probe({});  // the fixed flags themselves: their own errors, as forge train gives them
  try {
    probe({"--keep_best", s.metric.text()});  // the same check of the watched split
  } catch (const Error& e) {
    throw Error(ExitCode::usage, "--metric " + s.metric.text() + " cannot be read at the rungs: " + e.what());
  }
  for (const Dimension& dim : s.space) {
    std::vector<double> ends;  // each choice, or both ends of a range
    if (dim.is_categorical())
      for (size_t k = 0; k < dim.count(); ++k) ends.push_back((double(k) + 0.5) / double(dim.count()));
    else
      ends = {0.0, 1.0};
    for (double u : ends) {
      try {
        probe({"--" + dim.flag, dim.value_at(u)});
      } catch (const Error& e) {
        throw Error(ExitCode::usage, "the space --" + dim.flag + " " + dim.text() + " gives --" + dim.flag + " " +
                                         dim.value_at(u) + ", which forge train refuses: " + e.what());
      }
    }
  }
}

// The search the command line asks for, every value checked as forge train would check it (the
// plugins prepared, the data and model loaded for each extreme of the space) before anything is
// written.
Planned plan_search(const CommandLine& line, bool on_slurm) {
  SearchSettings s = search_settings(line.flags);
  const auto pairs = train_flag_pairs(line.forwarded);
  for (const char* chosen : {"epochs", "run_dir", "max_steps", "stop_after_steps", "stop_after_epochs"})
    if (!pairs_value(pairs, chosen).empty())
      throw Error(ExitCode::usage, std::string("forge search sets --") + chosen +
                                       " of its trials itself (--max_budget is their --epochs); leave it out");
  const std::string data = pairs_value(pairs, "data"), model = pairs_value(pairs, "model");
  if (data.empty() || model.empty())
    throw Error(ExitCode::usage, "forge search needs --data and --model; see forge search --help");
  for (const auto& [name, value] : pairs) {
    if (std::optional<Dimension> d = parse_dimension(name, value))
      s.space.push_back(*d);
    else
      s.fixed_args.insert(s.fixed_args.end(), {"--" + name, value});
  }
  if (on_slurm) {  // what reaches a job script, checked before anything is written
    for (const auto& arg : s.fixed_args) check_job_script_value(arg, "a train flag of the search");
    for (const auto& d : s.space)
      for (const auto& choice : d.choices) check_job_script_value(choice, "a choice of --" + d.flag);
    check_job_script_value(fs::current_path().string(), "the working folder");
  }
  if (s.space.empty())
    throw Error(ExitCode::usage,
                "forge search needs a space: give a train flag one, e.g. --lr loguniform:1e-4:1e-1 "
                "(forge sweep trains a grid of listed values)");
  s.seed_fixed = !pairs_value(pairs, "seed").empty() && pairs_value(pairs, "seed") != "-1";
  const std::unique_ptr<Sampler> sampler = make_sampler(s.sampler, s.space, s.seed);
  if (sampler->capacity() > 0 && s.schedule.trials > sampler->capacity()) s.schedule.trials = sampler->capacity();

  const PreparedPlugins plugins = prepare_plugins(data, model);
  check_against_forge_train(s, plugins);
  std::string checkpoint_dir = pairs_value(pairs, "checkpoint_dir"), run_name = pairs_value(pairs, "run_name");
  if (checkpoint_dir.empty()) checkpoint_dir = "checkpoints";
  if (run_name.empty())
    run_name = fs::path(plugins.data.files.library).stem().string() + "_" +
               fs::path(plugins.model.files.library).stem().string();
  return {s, checkpoint_dir + "/" + run_name + "/searches/" + search_id(s)};
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

std::string trial_status(const Study& study, const Trial& t) {
  const int rungs = int(rung_epochs(study.settings.schedule, t.state.bracket).size());
  if (t.state.failed) return "failed: " + t.failure;
  if (t.state.in_flight) return study.status == "running" ? "training" : "stopped (continues on relaunch)";
  if (int(t.state.results.size()) == rungs) return "completed";
  return t.state.results.empty() ? "pending" : "stopped at its rung";
}

void print_study(const Study& study) {
  const SearchSettings& s = study.settings;
  std::vector<std::string> header{"#"};
  for (const auto& d : s.space) header.push_back(d.flag);
  if (bracket_count(s.schedule) > 1) header.push_back("bracket");
  header.insert(header.end(), {"epochs", s.metric.split + "/" + s.metric.name, "status"});
  TextTable table(header);
  for (const auto& t : study.trials) {
    std::vector<std::string> row{std::to_string(t.index)};
    row.insert(row.end(), t.values.begin(), t.values.end());
    if (bracket_count(s.schedule) > 1) row.push_back(std::to_string(t.state.bracket));
    const std::vector<int> rungs = rung_epochs(s.schedule, t.state.bracket);
    const size_t done = t.state.results.size();
    row.push_back(done ? std::to_string(rungs[done - 1]) : "-");
    row.push_back(done ? number(s.metric.measured(t.state.results.back())) : "-");
    row.push_back(trial_status(study, t));
    table.add_row(row);
  }
  std::cout << "search " << study.id << " (" << s.sampler << ", " << s.schedule.scheduler << ", " << study.trials.size()
            << " of " << s.schedule.trials << " trials, " << study.status << "): " << study.dir << "\n"
            << table.render();
  const std::vector<size_t> ranked = study.ranking();
  if (ranked.empty()) return;
  const Trial& best = study.trials[ranked.front()];
  std::string command = "forge train";
  for (const auto& arg : best.train_args(s))
    command += " " + (arg.find_first_of(" \t'\"$`\\;&|<>*?()") == std::string::npos ? arg : shell_quoted(arg));
  command += " --epochs " + std::to_string(s.schedule.max_budget);
  const size_t done = best.state.results.size();
  std::cout << "best: trial " << best.index << ", " << s.metric.text() << " "
            << number(s.metric.measured(best.state.results.back())) << " at epoch "
            << rung_epochs(s.schedule, best.state.bracket)[done - 1] << " (" << best.run_dir << ")\n"
            << "  " << command << "\n";
}

// A bash script that retrains trial `index`'s run folder from the study's history: the segments
// of every folder of its lineage, up to the moment the next one was copied from it, and the
// copies, in the order the search made them.
std::string reproduction_script(const Study& study, size_t index) {
  const SearchSettings& s = study.settings;
  std::map<std::string, std::pair<std::string, size_t>> copied_from;  // to -> (from, event)
  for (size_t i = 0; i < study.history.size(); ++i)
    if (study.history[i].contains("copy")) copied_from[study.history[i]["to"]] = {study.history[i]["copy"], i};
  std::map<std::string, size_t> used_until;  // lineage folder -> the event after which it no longer counts
  std::string folder = study.trials[index].folder;
  used_until[folder] = SIZE_MAX;
  while (copied_from.count(folder)) {
    const auto [from, event] = copied_from[folder];
    used_until[from] = event;
    folder = from;
  }
  std::string script = "#!/bin/bash\n# Retrains trial " + std::to_string(index) + " of forge search " + study.id +
                       " (" + study.trials[index].folder + ") in the current folder, from its lineage.\nset -e\n" +
                       "FORGE=${FORGE:-forge}\nmkdir -p trials\n";
  for (size_t i = 0; i < study.history.size(); ++i) {
    const auto& event = study.history[i];
    if (event.contains("copy")) {
      if (used_until.count(event["to"]) && used_until.count(event["copy"]))
        script += "cp -r " + shell_quoted(event["copy"]) + " " + shell_quoted(event["to"]) + "\n";
      continue;
    }
    const std::string trained = event["train"];
    if (!used_until.count(trained) || i > used_until[trained]) continue;
    script += "\"$FORGE\" train";
    for (const auto& arg : event["args"]) script += " " + shell_quoted(arg);
    const int epochs = event["epochs"];
    script += " --run_dir " + shell_quoted(trained) + " --epochs " + std::to_string(s.schedule.max_budget);
    if (epochs < s.schedule.max_budget) script += " --stop_after_epochs " + std::to_string(epochs);
    if (event.value("force", false)) script += " --force";
    script += "\n";
  }
  return script;
}

}  // namespace

int search_command(const Args& args, const Args& command_line) {
  const std::optional<CommandLine> line = read_command_line(args, usage, search_syntax());
  if (!line) return 0;
  if (!line->flags.text("status").empty()) {
    print_study(read_study(line->flags.text("status")));
    return 0;
  }
  if (!line->flags.text("reproduce").empty()) {
    const Study study = read_study(line->flags.text("reproduce"));
    int64_t index = line->flags.integer("trial");
    if (index < 0 && !study.ranking().empty()) index = int64_t(study.ranking().front());
    if (index < 0 || index >= int64_t(study.trials.size()))
      throw Error(ExitCode::usage, "--trial " + std::to_string(index) + ": the search has trials 0 to " +
                                       std::to_string(int64_t(study.trials.size()) - 1));
    std::cout << reproduction_script(study, size_t(index));
    return 0;
  }
  const int64_t jobs = line->flags.integer("jobs");
  if (jobs < 1 || jobs > 1024) throw Error(ExitCode::usage, "--jobs must be 1 to 1024");
  const std::string launcher_name = line->flags.text("launcher");
  if (launcher_name != "local" && launcher_name != "slurm")
    throw Error(ExitCode::usage, "invalid value '" + launcher_name + "' for --launcher: expected local or slurm");
  const SlurmOptions slurm = slurm_options(line->flags);
  const Planned planned = plan_search(*line, launcher_name == "slurm");
  const std::string tracking = tracking_uri(given_or_configured(planned.settings.fixed_args, "tracking_uri"));
  Study study = open_study(planned.dir, planned.settings, command_line);
  spdlog::info(
      "search {}: {} trials ({} sampler, {} scheduler, rungs at epochs {}), record {}/search.json", study.id,
      study.settings.schedule.trials, study.settings.sampler, study.settings.schedule.scheduler,
      [&] {
        std::string text;
        for (int e : rung_epochs(study.settings.schedule, 0)) text += (text.empty() ? "" : ",") + std::to_string(e);
        return text;
      }(),
      study.dir);
  std::unique_ptr<SegmentLauncher> launcher =
      launcher_name == "slurm"
          ? slurm_launcher(slurm, study.id, [&](size_t index) { return reached_its_rung(study, study.trials[index]); })
          : local_launcher();
  announce_parent_run(tracking, study_parent_run(study));
  const int stopped_by = run_search(study, int(jobs), *launcher);
  write_study_hparams(study);
  print_study(study);
  if (stopped_by) {
    finish_parent_run(tracking, study.dir, "KILLED");
    spdlog::warn("search stopped by a signal; run the same command again to continue it");
    return stopped_by;
  }
  const bool any = std::any_of(study.trials.begin(), study.trials.end(), [](auto& t) { return !t.state.failed; });
  finish_parent_run(tracking, study.dir, any ? "FINISHED" : "FAILED");
  return any ? 0 : int(ExitCode::failure);
}

}  // namespace forge
