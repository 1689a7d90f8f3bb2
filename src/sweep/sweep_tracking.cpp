#include "sweep/sweep_tracking.hpp"

#include <boost/filesystem.hpp>

namespace forge {

ParentRun sweep_parent_run(const SweepRecord& record) {
  ParentRun parent;
  parent.folder = record.dir;
  // <checkpoint_dir>/<run_name>/sweeps/<id>: the points train under <run_name>.
  parent.experiment = boost::filesystem::path(record.dir).parent_path().parent_path().filename().string();
  parent.name = "sweep " + record.json.value("id", std::string());
  for (const auto& axis : record.json.value("axes", nlohmann::json::array())) {
    std::string values;
    for (const auto& value : axis.value("values", nlohmann::json::array()))
      values += (values.empty() ? "" : ",") + (value.is_string() ? value.get<std::string>() : value.dump());
    parent.params.push_back({axis.value("flag", std::string("?")), values});
  }
  return parent;
}

}  // namespace forge
