#include "search/study_tracking.hpp"

#include "metrics/hparams_data.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_summary.hpp"

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

#include <set>

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

void write_study_hparams(const Study& study) {
  try {
    std::vector<HParamDomain> domains;
    for (const Dimension& dimension : study.settings.space) {
      if (dimension.is_categorical()) {
        domains.push_back(discrete_domain(dimension.flag, dimension.choices));
        continue;
      }
      HParamDomain domain;
      domain.name = dimension.flag;
      domain.kind = HParamValue::Kind::number;
      domain.interval = true;
      domain.low = dimension.low;
      domain.high = dimension.high;
      domains.push_back(domain);
    }
    std::set<std::string> metric_tags;
    for (const std::string& run_dir : find_runs(study.dir))
      for (const MetricRow& row : read_metrics(run_dir)) metric_tags.insert(row.split + "/" + row.name);
    write_hparams_experiment(study.dir, study_parent_run(study).name, domains,
                             std::vector<std::string>(metric_tags.begin(), metric_tags.end()));
  } catch (const std::exception& e) {
    spdlog::warn("could not write the search's TensorBoard HParams experiment in {}: {}", study.dir, e.what());
  }
}

}  // namespace forge
