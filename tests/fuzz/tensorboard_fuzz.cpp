// The TensorBoard writer round-trip: scalars decoded from the input (tag, step, value) are
// written by forge's writer and read back by the independent reader in tests/: every record
// framed and checksummed, every tag, step and value as written.
#include "fuzz_support.hpp"
#include "metrics/tensorboard_writer.hpp"
#include "tensorboard_reader.hpp"

#include <boost/filesystem.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace fs = boost::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string dir = forge::fuzz::scratch_dir() + "/tb";
  fs::remove_all(dir);
  fs::create_directories(dir);
  struct Scalar {
    std::string tag;
    int64_t step;
    float value;
  };
  std::vector<Scalar> written;
  size_t at = 0;
  while (at + 13 <= size) {  // a tag length, a step, a value, then the tag
    const size_t length = data[at] % 40;
    int64_t step;
    float value;
    std::memcpy(&step, data + at + 1, 8);
    std::memcpy(&value, data + at + 9, 4);
    at += 13;
    if (at + length > size) break;
    written.push_back({std::string(reinterpret_cast<const char*>(data + at), length), step, value});
    at += length;
  }
  std::string path;
  {
    forge::TensorBoardWriter writer(dir, 1);
    for (const auto& s : written) writer.scalar(s.tag, s.step, s.value, 1.0);
    path = writer.path();
  }
  const auto events = forge::testing::read_event_file(path);
  if (events.size() != written.size() + 2) std::abort();  // file_version and SessionLog START first
  for (size_t i = 0; i < written.size(); ++i) {
    const auto& event = events[i + 2];
    if (event.step != written[i].step || event.values.size() != 1 || event.values[0].first != written[i].tag)
      std::abort();
    const float got = event.values[0].second, want = written[i].value;
    if (!(got == want || (std::isnan(got) && std::isnan(want)))) std::abort();
  }
  return 0;
}
