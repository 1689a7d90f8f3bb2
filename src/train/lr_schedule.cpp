#include "train/lr_schedule.hpp"

#include "core/suggest.hpp"

#include <forge/error.hpp>

#include <algorithm>
#include <cmath>

namespace forge {
namespace {

// OneCycle's usual start: a 25th of the peak (PyTorch's and fastai's div_factor).
constexpr double onecycle_start_divisor = 25.0;

// Half a cosine from `from` down to `to` as `progress` goes from 0 to 1.
double cosine_between(double from, double to, double progress) {
  progress = std::clamp(progress, 0.0, 1.0);
  return to + (from - to) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace

const std::vector<std::string>& schedule_names() {
  static const std::vector<std::string> names{"constant", "step", "cosine", "onecycle"};
  return names;
}

ScheduleKind parse_schedule_kind(const std::string& name) {
  const auto& names = schedule_names();
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    std::string suggestion = closest_name(name, names);
    throw Error(ExitCode::usage, "unknown --lr_schedule '" + name + "'; " +
                                     (suggestion.empty() ? "choose constant, step, cosine or onecycle"
                                                         : "did you mean " + suggestion + "?"));
  }
  return static_cast<ScheduleKind>(it - names.begin());
}

bool depends_on_run_length(ScheduleKind kind) { return kind == ScheduleKind::cosine || kind == ScheduleKind::onecycle; }

double learning_rate(const LrSchedule& s, int64_t step) {
  if (s.kind == ScheduleKind::onecycle) {
    // Rise from lr/25 to lr over the warm-up (30% of the run unless --warmup_steps says),
    // then fall along a cosine to min_lr.
    int64_t rise = s.warmup_steps > 0 ? s.warmup_steps : std::max<int64_t>(1, s.total_steps * 3 / 10);
    double start = s.lr / onecycle_start_divisor;
    if (step < rise) return start + (s.lr - start) * double(step) / double(rise);
    return cosine_between(s.lr, s.min_lr, double(step - rise) / double(std::max<int64_t>(1, s.total_steps - rise)));
  }
  if (step < s.warmup_steps) return s.lr * double(step + 1) / double(s.warmup_steps);
  int64_t after = step - s.warmup_steps;
  switch (s.kind) {
    case ScheduleKind::step:
      return s.lr * std::pow(s.gamma, double(after / s.step_size));
    case ScheduleKind::cosine:
      return cosine_between(s.lr, s.min_lr,
                            double(after) / double(std::max<int64_t>(1, s.total_steps - s.warmup_steps)));
    default:
      return s.lr;
  }
}

void check_schedule(const LrSchedule& s) {
  if (!(s.lr > 0)) throw Error(ExitCode::usage, "--lr must be positive");
  if (s.warmup_steps < 0) throw Error(ExitCode::usage, "--warmup_steps must not be negative");
  if (s.step_size < 1) throw Error(ExitCode::usage, "--lr_step_size must be at least 1");
  if (!(s.gamma > 0)) throw Error(ExitCode::usage, "--lr_gamma must be positive");
  if (s.min_lr < 0 || s.min_lr > s.lr) throw Error(ExitCode::usage, "--min_lr must lie between 0 and --lr");
  if (depends_on_run_length(s.kind) && s.warmup_steps >= s.total_steps)
    throw Error(ExitCode::usage, "--warmup_steps (" + std::to_string(s.warmup_steps) +
                                     ") must be shorter than the run (" + std::to_string(s.total_steps) + " steps)");
}

}  // namespace forge
