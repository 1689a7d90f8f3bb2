// The MLflow run of a sweep or a search: the parent of its points' or trials' runs (they carry
// mlflow.parentRunId), as MLflow's UI nests a hyperparameter search. Its record is the sweep's
// or study's folder's tracking.json, like a run's.
#pragma once

#include "tracking/mlflow_client.hpp"

#include <string>

namespace forge {

struct ParentRun {
  std::string folder;      // the sweep's or study's
  std::string experiment;  // the --run_name its runs train under
  std::string name;        // "sweep <id>", "search <id>"
  MlflowPairs params;      // what it varies, and how
};

// The parent's MLflow run id, made (RUNNING, with its params) when the server has none.
// Throws HttpUnreachable or MlflowError.
std::string parent_run_id(const MlflowClient& client, const ParentRun& parent);

// Sets its status (FINISHED, FAILED, KILLED) unless it is set already. Throws as above.
void end_parent_run(const MlflowClient& client, const std::string& folder, const std::string& status);

// For the process that launches a sweep's or search's runs, tracked on `uri` ("": not
// tracked, nothing happens): makes the parent and names it to the runs this process starts
// (here, or through SLURM, which passes the environment on) in FORGE_TRACKING_PARENT_RUN. A
// server that is down or refuses costs a warning: the runs are tracked without a parent, and
// `forge sync` of the sweep's or search's folder nests them later.
void announce_parent_run(const std::string& uri, const ParentRun& parent);

// Its status at the end, with a warning when the server does not take it.
void finish_parent_run(const std::string& uri, const std::string& folder, const std::string& status);

}  // namespace forge
