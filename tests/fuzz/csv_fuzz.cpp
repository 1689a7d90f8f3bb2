// The csv plugin on any table, plain or gzipped: data split into train and test, or an error
// naming what is wrong with the table, never a crash. The first byte chooses the task
// (classification or regression) and the target column (the last, or the first by index).
#include "fuzz_support.hpp"

#include "../../plugins/csv.cpp"  // the reader lives in the plugin's own file

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string path = forge::fuzz::write_input("table.csv", data + 1, size - 1);
  const forge::Flags flags({{"csv_path", path},
                            {"target", data[0] & 2 ? "0" : ""},
                            {"task", data[0] & 1 ? "regression" : "classification"},
                            {"test_fraction", "0.2"},
                            {"split_seed", "0"},
                            {"max_file_mb", "1"}});
  try {
    forge::DataMap loaded = load(flags);
    const forge::Dataset& train = loaded.datasets.at("train");
    if (train.inputs.size(0) != train.targets.size(0)) std::abort();
  } catch (const std::runtime_error&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
