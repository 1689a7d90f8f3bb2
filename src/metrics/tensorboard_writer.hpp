// TensorBoard event files (`events.out.tfevents.*`) in a run folder, so that
// `tensorboard --logdir <checkpoint_dir>` shows every run's curves without TensorFlow.
//
// The format, as TensorBoard's event.proto and summary.proto define it: TFRecord records
// (length, masked CRC-32C of the length, data, masked CRC-32C of the data), each holding one
// `Event` protobuf — wall_time, step, and a `summary.value` with tag and simple_value. The
// protobuf is encoded by hand: four message types do not need the protobuf library.
#pragma once

#include "metrics/metric_sink.hpp"

#include <cstdint>
#include <fstream>
#include <string>

namespace forge {

class TensorBoardWriter : public MetricSink {
 public:
  // Starts a new event file in `dir` for a training session whose first step is
  // `first_step`: a file_version event, then a SessionLog START at that step, by which
  // TensorBoard drops the points of an earlier session from that step on (the work a resumed
  // run redoes). File names sort in session order, as TensorBoard reads them.
  TensorBoardWriter(const std::string& dir, int64_t first_step);

  // A new event file in `dir` for records that are not a training session's (the HParams
  // view's session end, a sweep's experiment): no START, which would drop points. It replaces
  // the files of the same `kind` in `dir`, which ends their names
  // (events.out.tfevents.<time>.<host>.<pid>.forge-<kind>): TensorBoard keeps the first
  // record of a tag it reads, so a newer one must go alone.
  TensorBoardWriter(const std::string& dir, const std::string& kind);

  // A summary of TensorBoard's "hparams" plugin (metrics/hparams_data.hpp) under `tag`.
  void hparams(const std::string& tag, const std::string& plugin_data);

  void scalar(const std::string& tag, int64_t step, double value, double wall_time);

  // Each metric as the scalar `split/name`; every record is flushed as it is written.
  void write(int64_t step, int64_t epoch, const std::string& split,
             const std::map<std::string, double>& metrics) override;
  void flush() override;

  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& event);
  void open(const std::string& dir, const std::string& kind);

  std::string path_;
  std::ofstream out_;
};

}  // namespace forge
