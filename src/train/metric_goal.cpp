#include "train/metric_goal.hpp"

#include <forge/error.hpp>

#include <type_traits>
#include <vector>

namespace forge {
namespace {

std::vector<std::string> split_on(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = text.find(separator, start)) != std::string::npos; start = at + 1)
    parts.push_back(text.substr(start, at - start));
  parts.push_back(text.substr(start));
  return parts;
}

// The whole of `text` as a number of `out`'s type.
template <class Number>
bool parse_whole(const std::string& text, Number& out) {
  try {
    size_t used;
    if constexpr (std::is_integral_v<Number>)
      out = std::stoll(text, &used);
    else
      out = std::stod(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::string MetricGoal::watched() const { return split + "/" + name + (maximize ? ":max" : ":min"); }

MetricGoal parse_metric_goal(const std::string& text, const std::string& flag, bool allow_patience) {
  const std::string expected = allow_patience ? "split[/metric:min|max][:patience[:min_delta]], e.g. valid/loss:min:5"
                                              : "split[/metric:min|max], e.g. valid/accuracy:max";
  auto bad = [&](const std::string& why) {
    return Error(ExitCode::usage, "invalid value '" + text + "' for --" + flag + ": " + why + "; expected " + expected);
  };
  auto parts = split_on(text, ':');
  MetricGoal goal;
  size_t next = 1;
  auto slash = parts[0].find('/');
  goal.split = parts[0].substr(0, slash);
  if (goal.split != "train" && goal.split != "valid" && goal.split != "test")
    throw bad("the split must be train, valid or test");
  if (slash != std::string::npos) {
    goal.name = parts[0].substr(slash + 1);
    if (goal.name.empty()) throw bad("no metric after '/'");
    if (parts.size() < 2 || (parts[1] != "min" && parts[1] != "max")) throw bad("say whether to min or max it");
    goal.maximize = parts[1] == "max";
    next = 2;
  }
  size_t extras = parts.size() - next;
  if (extras > (allow_patience ? 2u : 0u)) throw bad("too many ':' parts");
  if (extras >= 1 && (!parse_whole(parts[next], goal.patience) || goal.patience < 1))
    throw bad("the patience must be a whole number of evaluations, at least 1");
  if (extras == 2 && (!parse_whole(parts[next + 1], goal.min_delta) || !(goal.min_delta >= 0)))
    throw bad("the minimum change must be a number >= 0");
  return goal;
}

bool GoalState::update(const MetricGoal& goal, int64_t step, double value) {
  double gain = goal.maximize ? value - best_value : best_value - value;
  if (best_step >= 0 && !(gain > goal.min_delta)) {
    ++stale;
    return false;
  }
  best_step = step;
  best_value = value;
  stale = 0;
  return true;
}

}  // namespace forge
