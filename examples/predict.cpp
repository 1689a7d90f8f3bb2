// Uses a run that forge trained from a program of your own: loads the run folder's model at a
// checkpoint, with the data its run was trained on, and prints its predictions for the first
// test examples.
//
//   predict RUN_DIR [--checkpoint STEP|best] [--count N] [--set FLAG=VALUE]...
//
// --set replaces one of the run's saved flags, e.g. --set data_dir=/mnt/fashion-mnist when the
// data moved.
#include <forge/run.hpp>

#include <algorithm>
#include <iostream>
#include <string>

namespace {

const char* usage = "usage: predict RUN_DIR [--checkpoint STEP|best] [--count N] [--set FLAG=VALUE]...";

int predict(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::cerr << usage << "\n";
    return 2;
  }
  forge::LoadOptions options;
  int64_t count = 8;
  for (int i = 2; i < argc; ++i) {
    const std::string option = argv[i];
    if (i + 1 == argc) {
      std::cerr << "predict: " << option << " needs a value\n" << usage << "\n";
      return 2;
    }
    const std::string value = argv[++i];
    const size_t equals = value.find('=');
    if (option == "--checkpoint") {
      options.checkpoint = value;
    } else if (option == "--count") {
      count = std::stoll(value);
    } else if (option == "--set" && equals != std::string::npos) {
      options.override_flags[value.substr(0, equals)] = value.substr(equals + 1);
    } else {
      std::cerr << "predict: unknown option " << option << " " << value << "\n" << usage << "\n";
      return 2;
    }
  }

  forge::LoadedCheckpoint run = forge::load_from_checkpoint(argv[1], options);
  const forge::Dataset& test = run.data.dataset("test");
  count = std::clamp<int64_t>(count, 0, test.size());

  torch::NoGradGuard no_gradients;
  torch::Tensor logits = run.model->forward(test.inputs.slice(0, 0, count));
  torch::Tensor predicted = logits.argmax(1).to(torch::kCPU);
  int64_t correct = 0;
  std::cout << "run " << run.run_dir << ", checkpoint step " << run.step << " (epoch " << run.epoch << ")\n";
  for (int64_t i = 0; i < count; ++i) {
    const int64_t guess = predicted[i].item<int64_t>(), truth = test.targets[i].item<int64_t>();
    correct += guess == truth;
    std::cout << "test example " << i << ": predicted class " << guess << ", true class " << truth << "\n";
  }
  std::cout << correct << " of " << count << " right\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return predict(argc, argv);
  } catch (const forge::Error& e) {  // forge's own errors carry the exit code its CLI uses
    std::cerr << "predict: " << e.what() << "\n";
    return int(e.code());
  } catch (const std::exception& e) {
    std::cerr << "predict: " << e.what() << "\n";
    return 1;
  }
}
