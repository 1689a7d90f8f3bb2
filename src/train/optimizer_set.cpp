#include "train/optimizer_set.hpp"

#include "core/plain_name.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace forge {

namespace {

// A group's rate when the schedule gives `rate` for a peak of `schedule_peak`: in proportion,
// and the very same number where the group runs at the optimizer's own peak.
double group_rate(double rate, double group_peak, double schedule_peak) {
  return group_peak == schedule_peak ? rate : rate * (group_peak / schedule_peak);
}

}  // namespace

double ScheduledOptimizer::rate_at(int64_t step) const {
  const double rate = learning_rate(schedule, step);
  return peak_rates.empty() ? rate : group_rate(rate, peak_rates.front(), schedule.lr);
}

void ScheduledOptimizer::apply_rate() {
  const double rate = learning_rate(schedule, steps);
  auto& groups = optimizer->param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(group_rate(rate, peak_rates[i], schedule.lr));
}

std::vector<torch::Tensor> ScheduledOptimizer::parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& group : optimizer->param_groups())
    for (const auto& p : group.params()) out.push_back(p);
  return out;
}

ScheduledOptimizer& OptimizerSet::named(const std::string& name) {
  std::string names;
  for (auto& optimizer : optimizers_) {
    if (optimizer.name == name) return optimizer;
    names += (names.empty() ? "" : ", ") + optimizer.name;
  }
  throw Error(ExitCode::usage, "the model steps optimizer '" + name +
                                   "', which configure_optimizers did not declare (it declares: " + names + ")");
}

std::string rate_metric(const std::string& name, size_t optimizers, size_t group) {
  const std::string base = optimizers == 1 ? "lr" : "lr_" + name;
  return group == 0 ? base : base + "_group" + std::to_string(group);
}

std::vector<torch::Tensor> OptimizerSet::parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& optimizer : optimizers_)
    for (auto& p : optimizer.parameters()) out.push_back(p);
  return out;
}

namespace {

// Hands out the model's trainable parameters to groups, each at most once.
class ParameterLedger {
 public:
  explicit ParameterLedger(torch::nn::Module& module) {
    for (const auto& p : module.named_parameters()) names_[p.value().unsafeGetTensorImpl()] = p.key();
  }

  // The trainable ones of `params`, recorded as `owner`'s.
  std::vector<torch::Tensor> take(const std::vector<torch::Tensor>& params, const std::string& owner) {
    std::vector<torch::Tensor> out;
    for (const auto& p : params) {
      auto named = names_.find(p.unsafeGetTensorImpl());
      if (named == names_.end())
        throw Error(ExitCode::usage, owner + " holds a tensor that is not one of the model's parameters; " +
                                         "give optimizers the module's own parameters()");
      if (!p.requires_grad()) continue;  // frozen
      auto [taken, fresh] = owners_.emplace(p.unsafeGetTensorImpl(), owner);
      if (!fresh)
        throw Error(ExitCode::usage, "parameter " + named->second + " is in two parameter groups (" + taken->second +
                                         " and " + owner + "); give each parameter one group");
      out.push_back(p);
    }
    return out;
  }

  const std::string& name_of(const torch::Tensor& p) const { return names_.at(p.unsafeGetTensorImpl()); }
  size_t taken() const { return owners_.size(); }

 private:
  std::map<const void*, std::string> names_;
  std::map<const void*, std::string> owners_;
};

// Biases and parameters of fewer than two dimensions (normalisation weights, scales): what
// weight decay is usually kept off.
bool decay_exempt(const std::string& name, const torch::Tensor& p) {
  const std::string bias = "bias";
  return p.dim() < 2 || (name.size() >= bias.size() && name.compare(name.size() - bias.size(), bias.size(), bias) == 0);
}

ScheduledOptimizer make_one(const OptimizerSpec& spec, const OptimizerDefaults& defaults, ParameterLedger& ledger,
                            const std::vector<torch::Tensor>& all) {
  const std::string label = "optimizer '" + spec.name + "'";
  if (!is_plain_name(spec.name))
    throw Error(ExitCode::usage, "configure_optimizers names an optimizer '" + spec.name +
                                     "'; use 1 to 64 letters, digits, '_' and '-'");
  OptimizerSettings settings = defaults.settings;
  if (!spec.algorithm.empty()) settings.name = spec.algorithm;
  settings.lr = spec.lr.value_or(settings.lr);
  settings.momentum = spec.momentum.value_or(settings.momentum);
  settings.weight_decay = spec.weight_decay.value_or(settings.weight_decay);
  if (spec.betas) std::tie(settings.beta1, settings.beta2) = *spec.betas;
  check_optimizer_settings(settings);

  std::vector<ParamGroup> groups = spec.groups.empty() ? std::vector<ParamGroup>{{all}} : spec.groups;
  std::vector<GroupSettings> built;
  for (size_t g = 0; g < groups.size(); ++g) {
    const std::string owner = label + " group " + std::to_string(g);
    GroupSettings group{ledger.take(groups[g].params, owner), groups[g].lr.value_or(settings.lr),
                        groups[g].weight_decay.value_or(settings.weight_decay)};
    if (!(group.lr > 0)) throw Error(ExitCode::usage, owner + ": its lr must be positive");
    if (group.weight_decay < 0) throw Error(ExitCode::usage, owner + ": its weight_decay must not be negative");
    if (defaults.no_decay_bias_norm && group.weight_decay > 0) {
      GroupSettings exempt{{}, group.lr, 0.0};
      auto split = std::stable_partition(group.params.begin(), group.params.end(),
                                         [&](const torch::Tensor& p) { return !decay_exempt(ledger.name_of(p), p); });
      exempt.params.assign(split, group.params.end());
      group.params.erase(split, group.params.end());
      if (!exempt.params.empty()) built.push_back(std::move(exempt));
    }
    if (!group.params.empty()) built.push_back(std::move(group));
  }
  if (built.empty())
    throw Error(ExitCode::usage, label + " has no trainable parameter (every one given to it is frozen)");

  ScheduledOptimizer out;
  out.name = spec.name;
  out.schedule = defaults.schedule;
  out.schedule.lr = settings.lr;
  out.schedule.min_lr = std::min(out.schedule.min_lr, settings.lr);
  if (!spec.lr_schedule.empty()) out.schedule.kind = parse_schedule_kind(spec.lr_schedule);
  check_schedule(out.schedule);
  for (const auto& group : built) out.peak_rates.push_back(group.lr);
  out.optimizer = make_optimizer(settings, built);
  return out;
}

}  // namespace

OptimizerSet make_optimizer_set(Model& model, const OptimizerDefaults& defaults) {
  std::vector<OptimizerSpec> specs = model.configure_optimizers();
  const bool configured = !specs.empty();
  if (!configured) specs.emplace_back();
  ParameterLedger ledger(model.module());
  const std::vector<torch::Tensor> all = model.module().parameters();
  std::vector<ScheduledOptimizer> optimizers;
  for (const auto& spec : specs) {
    for (const auto& earlier : optimizers)
      if (earlier.name == spec.name)
        throw Error(ExitCode::usage, "configure_optimizers declares optimizer '" + spec.name + "' twice");
    optimizers.push_back(make_one(spec, defaults, ledger, all));
  }
  const auto trainable =
      std::count_if(all.begin(), all.end(), [](const torch::Tensor& p) { return p.requires_grad(); });
  if (configured && ledger.taken() < size_t(trainable))
    spdlog::warn("{} trainable parameter(s) are in no optimizer's groups: training leaves them as they are",
                 size_t(trainable) - ledger.taken());
  return OptimizerSet(std::move(optimizers));
}

}  // namespace forge
