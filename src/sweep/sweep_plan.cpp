#include "sweep/sweep_plan.hpp"

#include "core/hash.hpp"

#include <forge/error.hpp>

#include <sstream>

namespace forge {
namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::istringstream in(text + ",");
  for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
  return parts;
}

std::string hash_of(const std::vector<std::string>& args) {
  Hasher hasher;
  for (const auto& arg : args) hasher.add(arg).add(std::string(1, '\0'));
  return hasher.hex();
}

}  // namespace

std::string SweepPoint::label() const {
  std::string out;
  for (const auto& [flag, value] : values) out += (out.empty() ? "" : " ") + flag + "=" + value;
  return out.empty() ? "(the one point)" : out;
}

SweepPlan plan_sweep(const std::vector<std::string>& train_args) {
  SweepPlan plan;
  for (size_t i = 0; i < train_args.size(); ++i) {
    const std::string& arg = train_args[i];
    std::string name, value;
    bool has_value = false;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      name = arg.substr(2, arg.find('=') - 2);
      value = arg.substr(arg.find('=') + 1);
      has_value = true;
    } else if (arg.rfind("--", 0) == 0 && i + 1 < train_args.size() && train_args[i + 1].rfind("--", 0) != 0) {
      name = arg.substr(2);
      value = train_args[++i];
      has_value = true;
    } else {
      plan.shared_args.push_back(arg);  // a bare flag, or something train will refuse itself
      continue;
    }
    if (name == "run_dir")
      throw Error(ExitCode::usage, "forge sweep gives each point its own run folder; drop --run_dir (use --run_name)");
    if (!has_value || value.find(',') == std::string::npos) {
      plan.shared_args.insert(plan.shared_args.end(), {"--" + name, value});
      continue;
    }
    for (const auto& axis : plan.axes)
      if (axis.flag == name) throw Error(ExitCode::usage, "--" + name + " is swept twice; give its values in one list");
    SweepAxis axis{name, split_commas(value)};
    for (const auto& v : axis.values)
      if (v.empty()) throw Error(ExitCode::usage, "--" + name + " " + value + ": an empty value in the list");
    plan.axes.push_back(axis);
  }

  // The grid, the last axis varying fastest.
  std::vector<size_t> index(plan.axes.size(), 0);
  for (bool more = true; more;) {
    SweepPoint point;
    point.train_args = plan.shared_args;
    for (size_t a = 0; a < plan.axes.size(); ++a) {
      point.values.emplace_back(plan.axes[a].flag, plan.axes[a].values[index[a]]);
      point.train_args.insert(point.train_args.end(), {"--" + plan.axes[a].flag, plan.axes[a].values[index[a]]});
    }
    point.hash = hash_of(point.train_args);
    plan.points.push_back(point);
    more = false;
    for (size_t a = plan.axes.size(); a-- > 0;) {
      if (++index[a] < plan.axes[a].values.size()) {
        more = true;
        break;
      }
      index[a] = 0;
    }
  }

  std::vector<std::string> identity = plan.shared_args;
  for (const auto& axis : plan.axes) {
    identity.push_back("axis " + axis.flag);
    identity.insert(identity.end(), axis.values.begin(), axis.values.end());
  }
  plan.id = hash_of(identity).substr(0, 12);
  return plan;
}

}  // namespace forge
