// metrics.csv as a crash or a hostile file may leave it: reading it and dropping the rows a
// resume redoes never crash, and what the truncation keeps reads back row for row.
#include "fuzz_support.hpp"
#include "runs/metrics_csv.hpp"

#include <forge/error.hpp>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string run = forge::fuzz::scratch_dir() + "/run";
  forge::fuzz::write_input("run/metrics.csv", data, size);
  try {
    const auto before = forge::read_metrics(run);
    forge::truncate_metrics_after(run, 100);
    const auto after = forge::read_metrics(run);
    size_t kept = 0;
    for (const auto& row : before) kept += row.step <= 100;
    if (after.size() != kept) std::abort();  // truncation lost or invented rows
  } catch (const forge::Error&) {
  }
  return 0;
}
