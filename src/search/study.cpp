#include "search/study.hpp"

#include "core/hash.hpp"
#include "core/json_file.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>

#include <algorithm>

namespace fs = boost::filesystem;
using nlohmann::json;

namespace forge {
namespace {

const char* study_file = "search.json";

json settings_json(const SearchSettings& s) {
  json space = json::array();
  for (const auto& d : s.space) space.push_back({{"flag", d.flag}, {"space", d.text()}});
  return {{"fixed_args", s.fixed_args},
          {"space", space},
          {"sampler", s.sampler},
          {"scheduler", s.schedule.scheduler},
          {"min_budget", s.schedule.min_budget},
          {"max_budget", s.schedule.max_budget},
          {"eta", s.schedule.eta},
          {"trials", s.schedule.trials},
          {"metric", s.metric.text()},
          {"seed", s.seed},
          {"seed_fixed", s.seed_fixed},
          {"retries", s.retries},
          {"perturb_every", s.schedule.perturb_every},
          {"pbt_quantile", s.schedule.quantile}};
}

SearchSettings settings_from(const json& j) {
  SearchSettings s;
  s.fixed_args = j.at("fixed_args").get<std::vector<std::string>>();
  for (const auto& d : j.at("space")) s.space.push_back(*parse_dimension(d.at("flag"), d.at("space")));
  s.sampler = j.at("sampler");
  s.schedule.scheduler = j.at("scheduler");
  s.schedule.min_budget = j.at("min_budget");
  s.schedule.max_budget = j.at("max_budget");
  s.schedule.eta = j.at("eta");
  s.schedule.trials = j.at("trials");
  s.metric = parse_search_metric(j.at("metric"));
  s.seed = j.at("seed");
  s.seed_fixed = j.at("seed_fixed");
  s.retries = j.at("retries");
  s.schedule.perturb_every = j.value("perturb_every", 1);
  s.schedule.quantile = j.value("pbt_quantile", 0.25);
  return s;
}

json trial_json(const Trial& t) {
  return {{"index", t.index},
          {"values", t.values},
          {"unit", t.unit},
          {"seed", t.seed},
          {"bracket", t.state.bracket},
          {"rung", t.state.rung},
          {"in_flight", t.state.in_flight},
          {"failed", t.state.failed},
          {"results", t.state.results},
          {"failures", t.failures},
          {"failure", t.failure},
          {"decided", t.decided},
          {"job", t.job},
          {"folder", t.folder},
          {"needs_force", t.needs_force},
          {"lineage", t.lineage}};
}

Trial trial_from(const json& j) {
  Trial t;
  t.index = j.at("index");
  t.values = j.at("values").get<std::vector<std::string>>();
  t.unit = j.at("unit").get<std::vector<double>>();
  t.seed = j.at("seed");
  t.state.bracket = j.at("bracket");
  t.state.rung = j.at("rung");
  t.state.in_flight = j.at("in_flight");
  t.state.failed = j.at("failed");
  t.state.results = j.at("results").get<std::vector<double>>();
  t.failures = j.at("failures");
  t.failure = j.at("failure");
  t.decided = j.at("decided");
  t.job = j.value("job", "");
  t.folder = j.value("folder", trial_folder(t.index));
  t.needs_force = j.value("needs_force", false);
  t.lineage = j.value("lineage", json::array());
  return t;
}

}  // namespace

std::string trial_folder(size_t index) { return "trials/" + std::to_string(index); }

std::string trial_run_dir(const std::string& study_dir, size_t index) { return study_dir + "/" + trial_folder(index); }

SearchMetric parse_search_metric(const std::string& text) {
  SearchMetric metric;
  std::string rest = text;
  const auto colon = rest.find(':');
  if (colon != std::string::npos) {
    const std::string goal = rest.substr(colon + 1);
    if (goal != "min" && goal != "max")
      throw Error(ExitCode::usage, "--metric " + text + ": write SPLIT/NAME:min or SPLIT/NAME:max");
    metric.maximise = goal == "max";
    rest = rest.substr(0, colon);
  }
  const auto slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size())
    throw Error(ExitCode::usage, "--metric " + text + ": write SPLIT/NAME[:min|max], e.g. valid/loss:min");
  metric.split = rest.substr(0, slash);
  metric.name = rest.substr(slash + 1);
  if (metric.split != "valid" && metric.split != "train")
    throw Error(ExitCode::usage, "--metric " + text +
                                     ": a search reads its metric after every rung's epochs, where only train and "
                                     "valid are measured; watch valid/... (with a valid split or --valid_fraction)");
  return metric;
}

std::vector<std::string> Trial::train_args(const SearchSettings& settings) const {
  std::vector<std::string> args = settings.fixed_args;
  for (size_t d = 0; d < settings.space.size(); ++d)
    args.insert(args.end(), {"--" + settings.space[d].flag, values[d]});
  if (!settings.seed_fixed) args.insert(args.end(), {"--seed", std::to_string(seed)});
  return args;
}

std::vector<TrialState> Study::states() const {
  std::vector<TrialState> out;
  for (const auto& t : trials) out.push_back(t.state);
  return out;
}

std::vector<size_t> Study::ranking() const {
  size_t highest = 0;
  for (const auto& t : trials) highest = std::max(highest, t.state.results.size());
  std::vector<size_t> ranked;
  if (highest == 0) return ranked;
  for (const auto& t : trials)
    if (t.state.results.size() == highest) ranked.push_back(t.index);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [&](size_t a, size_t b) { return trials[a].state.results.back() < trials[b].state.results.back(); });
  return ranked;
}

std::string search_id(const SearchSettings& settings) {
  json decisive = settings_json(settings);
  decisive.erase("retries");  // may change between launches
  return sha1_hex(decisive.dump()).substr(0, 12);
}

Study open_study(const std::string& dir, const SearchSettings& settings, const std::vector<std::string>& command) {
  if (fs::exists(fs::path(dir) / study_file)) return read_study(dir);
  Study study;
  study.dir = dir;
  study.id = search_id(settings);
  study.settings = settings;
  study.command = command;
  fs::create_directories(dir);
  save_study(study);
  return study;
}

Study read_study(const std::string& path) {
  const fs::path file = fs::is_directory(path) ? fs::path(path) / study_file : fs::path(path);
  if (!fs::exists(file)) throw Error(ExitCode::run, path + " is not a search folder (it has no " + study_file + ")");
  try {
    const json j = read_json(file.string());
    Study study;
    study.dir = file.parent_path().string();
    study.id = j.at("id");
    study.settings = settings_from(j.at("settings"));
    study.command = j.at("command").get<std::vector<std::string>>();
    for (const auto& t : j.at("trials")) {
      study.trials.push_back(trial_from(t));
      study.trials.back().run_dir = study.dir + "/" + study.trials.back().folder;
    }
    study.arrivals = j.at("arrivals");
    study.decisions = j.at("decisions");
    study.status = j.at("status");
    study.exploited_through = j.value("exploited_through", 0);
    study.history = j.value("history", json::array());
    return study;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ExitCode::run, file.string() + " is damaged: " + e.what());
  }
}

std::vector<std::string> find_studies(const std::string& root) {
  std::vector<std::string> found;
  if (!fs::is_directory(root)) return found;
  for (fs::recursive_directory_iterator it(root), end; it != end; ++it) {
    if (it->path().filename() == "trials") {  // a search's runs: no studies below
      it.disable_recursion_pending();
      continue;
    }
    if (it->path().filename() == study_file) found.push_back(it->path().parent_path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

void save_study(const Study& study) {
  json trials = json::array();
  for (const auto& t : study.trials) trials.push_back(trial_json(t));
  write_json_atomically((fs::path(study.dir) / study_file).string(), {{"id", study.id},
                                                                      {"settings", settings_json(study.settings)},
                                                                      {"command", study.command},
                                                                      {"trials", trials},
                                                                      {"arrivals", study.arrivals},
                                                                      {"decisions", study.decisions},
                                                                      {"status", study.status},
                                                                      {"exploited_through", study.exploited_through},
                                                                      {"history", study.history}});
}

}  // namespace forge
