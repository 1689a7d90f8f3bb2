// What TensorBoard's HParams view reads (its plugin_data.proto and api.proto): each run's
// session start (its hyperparameters' values) and end (its status), and an experiment (the
// hyperparameters a sweep or search varies, with their domains, and the metrics to compare),
// each a summary of plugin "hparams" in an event file (metrics/tensorboard_writer.hpp).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace forge {

// A hyperparameter's value as TensorBoard types it.
struct HParamValue {
  enum class Kind { text, number, boolean } kind = Kind::text;
  std::string text;
  double number = 0;
  bool boolean = false;
};
using HParams = std::vector<std::pair<std::string, HParamValue>>;

// The summary tags TensorBoard looks for.
inline constexpr const char* hparams_experiment_tag = "_hparams_/experiment";
inline constexpr const char* hparams_session_start_tag = "_hparams_/session_start_info";
inline constexpr const char* hparams_session_end_tag = "_hparams_/session_end_info";

// api.proto's Status.
enum class SessionStatus { unknown = 0, success = 1, failure = 2, running = 3 };

// HParamsPluginData messages, serialised.
std::string hparams_session_start(const HParams& hparams, double start_time_secs);
std::string hparams_session_end(SessionStatus status, double end_time_secs);

struct HParamDomain {
  std::string name;
  HParamValue::Kind kind = HParamValue::Kind::text;
  std::vector<HParamValue> values;  // a discrete domain; empty with an interval
  bool interval = false;
  double low = 0, high = 0;
};
// A domain of the values given as text, typed as flags.json types them: numbers when all are
// numbers, booleans when all are true or false, else text.
HParamDomain discrete_domain(const std::string& name, const std::vector<std::string>& texts);

// `metric_tags`: scalar tags ("valid/accuracy") whose last value in each run is compared.
std::string hparams_experiment(const std::string& name, const std::vector<HParamDomain>& hparams,
                               const std::vector<std::string>& metric_tags, double time_created_secs);

// Writes that experiment into `folder` in an event file of its own, which replaces the one an
// earlier call wrote there.
void write_hparams_experiment(const std::string& folder, const std::string& name,
                              const std::vector<HParamDomain>& hparams, const std::vector<std::string>& metric_tags);

}  // namespace forge
