#include "metrics/hparams_data.hpp"

#include "core/wall_clock.hpp"
#include "metrics/protobuf_wire.hpp"
#include "metrics/tensorboard_writer.hpp"

#include <cstdlib>

namespace forge {
namespace {

using namespace protobuf;

// google.protobuf.Value { NullValue null_value = 1; double number_value = 2;
//                         string string_value = 3; bool bool_value = 4; ... }
std::string value_message(const HParamValue& value) {
  std::string out;
  switch (value.kind) {
    case HParamValue::Kind::number:
      put_double(out, 2, value.number);
      break;
    case HParamValue::Kind::boolean:
      put_varint_field(out, 4, value.boolean ? 1 : 0);
      break;
    case HParamValue::Kind::text:
      put_bytes(out, 3, value.text);
      break;
  }
  return out;
}

// HParamsPluginData { int32 version = 1; oneof data { Experiment experiment = 2;
//   SessionStartInfo session_start_info = 3; SessionEndInfo session_end_info = 4; } }
std::string plugin_data(uint32_t field, const std::string& message) {
  std::string out;
  put_varint_field(out, 1, 0);
  put_bytes(out, field, message);
  return out;
}

// api.proto's DataType: DATA_TYPE_STRING = 1, DATA_TYPE_BOOL = 2, DATA_TYPE_FLOAT64 = 3.
uint64_t data_type(HParamValue::Kind kind) {
  switch (kind) {
    case HParamValue::Kind::text:
      return 1;
    case HParamValue::Kind::boolean:
      return 2;
    case HParamValue::Kind::number:
      return 3;
  }
  return 0;
}

}  // namespace

HParamDomain discrete_domain(const std::string& name, const std::vector<std::string>& texts) {
  HParamDomain domain;
  domain.name = name;
  bool numbers = !texts.empty(), booleans = !texts.empty();
  for (const std::string& text : texts) {
    char* end = nullptr;
    std::strtod(text.c_str(), &end);
    numbers = numbers && !text.empty() && *end == '\0';
    booleans = booleans && (text == "true" || text == "false");
  }
  domain.kind = numbers ? HParamValue::Kind::number : booleans ? HParamValue::Kind::boolean : HParamValue::Kind::text;
  for (const std::string& text : texts) {
    HParamValue value;
    value.kind = domain.kind;
    value.text = text;
    value.number = numbers ? std::strtod(text.c_str(), nullptr) : 0;
    value.boolean = text == "true";
    domain.values.push_back(value);
  }
  return domain;
}

std::string hparams_session_start(const HParams& hparams, double start_time_secs) {
  // SessionStartInfo { map<string, Value> hparams = 1; ... double start_time_secs = 5; }
  // (a map entry is a message { string key = 1; Value value = 2; })
  std::string info;
  for (const auto& [name, value] : hparams) {
    std::string entry;
    put_bytes(entry, 1, name);
    put_bytes(entry, 2, value_message(value));
    put_bytes(info, 1, entry);
  }
  put_double(info, 5, start_time_secs);
  return plugin_data(3, info);
}

std::string hparams_session_end(SessionStatus status, double end_time_secs) {
  // SessionEndInfo { Status status = 1; double end_time_secs = 2; }
  std::string info;
  put_varint_field(info, 1, uint64_t(status));
  put_double(info, 2, end_time_secs);
  return plugin_data(4, info);
}

std::string hparams_experiment(const std::string& name, const std::vector<HParamDomain>& hparams,
                               const std::vector<std::string>& metric_tags, double time_created_secs) {
  // Experiment { string description = 1; string user = 2; double time_created_secs = 3;
  //   repeated HParamInfo hparam_infos = 4; repeated MetricInfo metric_infos = 5; string name = 6; }
  std::string experiment;
  put_double(experiment, 3, time_created_secs);
  for (const HParamDomain& domain : hparams) {
    // HParamInfo { string name = 1; string display_name = 2; string description = 3; DataType type = 4;
    //   oneof domain { ListValue domain_discrete = 5; Interval domain_interval = 6; } }
    std::string info;
    put_bytes(info, 1, domain.name);
    put_varint_field(info, 4, data_type(domain.kind));
    if (domain.interval) {
      std::string interval;  // Interval { double min_value = 1; double max_value = 2; }
      put_double(interval, 1, domain.low);
      put_double(interval, 2, domain.high);
      put_bytes(info, 6, interval);
    } else {
      std::string list;  // ListValue { repeated Value values = 1; }
      for (const HParamValue& value : domain.values) put_bytes(list, 1, value_message(value));
      put_bytes(info, 5, list);
    }
    put_bytes(experiment, 4, info);
  }
  for (const std::string& tag : metric_tags) {
    // MetricInfo { MetricName name = 1; ... }  MetricName { string group = 1; string tag = 2; }
    std::string metric_name, info;
    put_bytes(metric_name, 2, tag);
    put_bytes(info, 1, metric_name);
    put_bytes(experiment, 5, info);
  }
  put_bytes(experiment, 6, name);
  return plugin_data(2, experiment);
}

void write_hparams_experiment(const std::string& folder, const std::string& name,
                              const std::vector<HParamDomain>& hparams, const std::vector<std::string>& metric_tags) {
  TensorBoardWriter(folder, "experiment")
      .hparams(hparams_experiment_tag, hparams_experiment(name, hparams, metric_tags, unix_time()));
}

}  // namespace forge
