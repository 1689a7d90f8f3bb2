#include "search/study_tracking.hpp"

#include <boost/filesystem.hpp>

namespace forge {

ParentRun study_parent_run(const Study& study) {
  ParentRun parent;
  parent.folder = study.dir;
  // <checkpoint_dir>/<run_name>/searches/<id>.
  parent.experiment = boost::filesystem::path(study.dir).parent_path().parent_path().filename().string();
  parent.name = "search " + study.id;
  for (const Dimension& dimension : study.settings.space) parent.params.push_back({dimension.flag, dimension.text()});
  const ScheduleSettings& schedule = study.settings.schedule;
  parent.params.push_back({"sampler", study.settings.sampler});
  parent.params.push_back({"scheduler", schedule.scheduler});
  parent.params.push_back({"metric", study.settings.metric.text()});
  parent.params.push_back({"budget", std::to_string(schedule.min_budget) + ".." + std::to_string(schedule.max_budget) +
                                         " epochs, eta " + std::to_string(schedule.eta)});
  parent.params.push_back({"trials", std::to_string(schedule.trials)});
  return parent;
}

}  // namespace forge
