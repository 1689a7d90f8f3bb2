// Learning-rate schedules (--lr_schedule): the rate of every optimizer step as a pure function
// of the step number, so a resumed run needs no schedule state beyond the step it saved.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace forge {

enum class ScheduleKind { constant, step, cosine, onecycle };

struct LrSchedule {
  ScheduleKind kind = ScheduleKind::constant;
  double lr = 1e-3;          // the peak rate (--lr)
  int64_t warmup_steps = 0;  // linear rise from lr/warmup_steps to lr (onecycle: from lr/25)
  int64_t step_size = 1;     // step: multiply by gamma every step_size steps after warm-up
  double gamma = 0.1;
  double min_lr = 0.0;      // cosine and onecycle end here
  int64_t total_steps = 1;  // cosine and onecycle: the run's length in optimizer steps
};

// The names --lr_schedule accepts.
const std::vector<std::string>& schedule_names();

// Throws Error(ExitCode::usage) naming the closest schedule for an unknown name.
ScheduleKind parse_schedule_kind(const std::string& name);

// Whether the schedule's shape depends on the run's length (--epochs, --max_steps).
bool depends_on_run_length(ScheduleKind kind);

// The rate of optimizer step `step` (counted from 0).
double learning_rate(const LrSchedule& schedule, int64_t step);

// Throws Error(ExitCode::usage) for settings no schedule can follow.
void check_schedule(const LrSchedule& schedule);

}  // namespace forge
