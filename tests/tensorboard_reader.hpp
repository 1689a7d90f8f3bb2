// A reader of TensorBoard event files written independently of forge's writer, from the
// format as TensorBoard defines it, to check what forge writes: every record's framing and
// both CRCs, and the Event / Summary / SessionLog protobuf fields.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace forge::testing {

struct DecodedEvent {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;                           // set in a file's first event
  int session_status = 0;                             // SessionLog status; 1 = START
  std::vector<std::pair<std::string, float>> values;  // summary.value scalars: tag, simple_value
};

// Every event of one file. Throws std::runtime_error naming the record on a bad length CRC,
// a bad data CRC, a truncated record or a malformed protobuf.
std::vector<DecodedEvent> read_event_file(const std::string& path);

// The scalars TensorBoard would show for a run folder: its event files read in name order,
// a SessionLog START at step S dropping every point stored so far at steps >= S (as
// TensorBoard's event accumulator purges a restarted run), a later point replacing an
// earlier one at the same step. tag → step → value.
std::map<std::string, std::map<int64_t, float>> tensorboard_scalars(const std::string& run_dir);

// tensorboard_scalars without the one tag that depends on the clock (train/steps_per_second):
// what two runs that trained identically have in common.
std::map<std::string, std::map<int64_t, float>> tensorboard_curves(const std::string& run_dir);

// The event files of a run folder's training sessions, sorted by name (not the one that records
// how the run ended for the HParams view, events.out.tfevents.*.forge-end).
std::vector<std::string> event_files(const std::string& run_dir);

}  // namespace forge::testing
