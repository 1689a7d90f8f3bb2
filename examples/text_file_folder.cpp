// Data plugin: a folder of small text files, FOLDER/<class>/<sample>.txt, each holding one
// sample's numbers (separated by spaces, commas or new lines). Nothing is read up front but the
// file names: forge's loader threads read each file when a batch needs it. Every fifth file of
// each class is kept for test. docs/your-data.md walks through it.
//
//   forge train --data examples/text_file_folder.cpp --folder my_samples --model mlp --jitter 0.05
#include <forge/data.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

std::vector<forge::FlagSpec> flags() {
  return {forge::text_flag("folder", "", "the samples: FOLDER/<class>/<sample>.txt"),
          forge::real_flag("jitter", "0", "training: noise of this standard deviation added to every number")};
}

class TextFiles : public forge::Source {
 public:
  TextFiles(std::vector<fs::path> files, std::vector<int64_t> labels, double jitter)
      : files_(std::move(files)), labels_(std::move(labels)), jitter_(jitter) {}

  int64_t size() const override { return int64_t(files_.size()); }

  // Called from several threads at once: it only reads members. Random numbers come from the
  // sample's own generator, so resume and any --workers give the same batches.
  forge::Example get(int64_t index, forge::SampleContext& context) const override {
    std::ifstream in(files_[size_t(index)]);
    if (!in) throw std::runtime_error("cannot open the file");
    std::stringstream text;
    text << in.rdbuf();
    std::string numbers = text.str();
    std::replace(numbers.begin(), numbers.end(), ',', ' ');
    std::istringstream parse(numbers);
    std::vector<float> values;
    for (float value; parse >> value;) values.push_back(value);
    if (values.empty() || !parse.eof()) throw std::runtime_error("not a list of numbers");
    torch::Tensor x = torch::tensor(values);
    if (context.training() && jitter_ > 0) x += jitter_ * torch::randn(x.sizes(), context.generator());
    return {x, torch::tensor(labels_[size_t(index)])};
  }

  // How errors name a sample: "train sample 17 (my_samples/b/017.txt): not a list of numbers".
  std::string describe(int64_t index) const override { return files_[size_t(index)].string(); }

 private:
  std::vector<fs::path> files_;
  std::vector<int64_t> labels_;
  double jitter_;
};

forge::DataMap load(const forge::Flags& flags) {
  const fs::path folder = flags.text("folder");
  if (!fs::is_directory(folder)) throw std::runtime_error("--folder '" + folder.string() + "' is not a folder");
  std::vector<std::string> classes;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.is_directory()) classes.push_back(entry.path().filename().string());
  std::sort(classes.begin(), classes.end());
  if (classes.size() < 2) throw std::runtime_error(folder.string() + " needs a sub-folder per class, two at least");
  std::vector<fs::path> train_files, test_files;
  std::vector<int64_t> train_labels, test_labels;
  for (size_t label = 0; label < classes.size(); ++label) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder / classes[label]))
      if (entry.path().extension() == ".txt") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (size_t i = 0; i < files.size(); ++i) {
      (i % 5 == 4 ? test_files : train_files).push_back(files[i]);
      (i % 5 == 4 ? test_labels : train_labels).push_back(int64_t(label));
    }
  }
  if (train_files.empty()) throw std::runtime_error(folder.string() + " has no .txt samples");
  // The model sizes itself from the first sample.
  forge::SampleContext first("train", 0, 0, 0);
  const int64_t features = TextFiles(train_files, train_labels, 0).get(0, first).fields["inputs"].numel();

  forge::DataMap data;
  data.datasets["train"] =
      forge::Dataset::of(std::make_shared<TextFiles>(train_files, train_labels, flags.real("jitter")));
  if (!test_files.empty())
    data.datasets["test"] = forge::Dataset::of(std::make_shared<TextFiles>(test_files, test_labels, 0));
  data.values["num_classes"] = int64_t(classes.size());
  data.values["class_names"] = classes;
  data.values["input_shape"] = std::vector<int64_t>{features};
  return data;
}

}  // namespace

FORGE_DATA_PLUGIN(flags, load)
