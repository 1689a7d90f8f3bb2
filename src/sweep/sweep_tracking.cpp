#include "sweep/sweep_tracking.hpp"

#include "metrics/hparams_data.hpp"
#include "runs/metrics_csv.hpp"
#include "runs/run_dir.hpp"

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

#include <set>

namespace fs = boost::filesystem;

namespace forge {
namespace {

std::string axis_flag(const nlohmann::json& axis) { return axis.value("flag", std::string("?")); }

// An axis's values as the command line gave them.
std::vector<std::string> axis_values(const nlohmann::json& axis) {
  std::vector<std::string> texts;
  for (const auto& value : axis.value("values", nlohmann::json::array()))
    texts.push_back(value.is_string() ? value.get<std::string>() : value.dump());
  return texts;
}

}  // namespace

ParentRun sweep_parent_run(const SweepRecord& record) {
  ParentRun parent;
  parent.folder = record.dir;
  // <checkpoint_dir>/<run_name>/sweeps/<id>: the points train under <run_name>.
  parent.experiment = fs::path(record.dir).parent_path().parent_path().filename().string();
  parent.name = "sweep " + record.json.value("id", std::string());
  for (const auto& axis : record.json.value("axes", nlohmann::json::array())) {
    std::string values;
    for (const std::string& value : axis_values(axis)) values += (values.empty() ? "" : ",") + value;
    parent.params.push_back({axis_flag(axis), values});
  }
  return parent;
}

void write_sweep_hparams(const SweepRecord& record) {
  try {
    std::vector<HParamDomain> domains;
    for (const auto& axis : record.json.value("axes", nlohmann::json::array()))
      domains.push_back(discrete_domain(axis_flag(axis), axis_values(axis)));
    std::set<std::string> metric_tags;
    const fs::path links = fs::path(record.dir) / "points";
    fs::create_directories(links);
    const auto& points = record.json.value("points", nlohmann::json::array());
    for (size_t i = 0; i < points.size(); ++i) {
      const std::string run_dir = point_run_folder(record, i);
      if (run_dir.empty() || !is_run_dir(run_dir)) continue;
      for (const MetricRow& row : read_metrics(run_dir)) metric_tags.insert(row.split + "/" + row.name);
      const fs::path link = links / std::to_string(i);
      const fs::path target = fs::relative(fs::absolute(run_dir), fs::absolute(links));
      boost::system::error_code error;
      if (fs::is_symlink(fs::symlink_status(link)) && fs::read_symlink(link, error) == target) continue;
      fs::remove(link, error);
      fs::create_directory_symlink(target, link);
    }
    write_hparams_experiment(record.dir, sweep_parent_run(record).name, domains,
                             std::vector<std::string>(metric_tags.begin(), metric_tags.end()));
  } catch (const std::exception& e) {
    spdlog::warn("could not write the sweep's TensorBoard HParams experiment in {}: {}", record.dir, e.what());
  }
}

}  // namespace forge
