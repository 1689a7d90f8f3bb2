// Data plugin: small generated classification data for tests and demos. Each class is a
// fixed random 8x8 pattern; samples are that pattern plus Gaussian noise. The data depend
// only on --data_seed, never on the training seed.
#include <forge/data.hpp>

namespace {

std::vector<forge::FlagSpec> flags() {
  return {
      forge::integer_flag("samples", 512, "training samples (the test set has a quarter as many)"),
      forge::integer_flag("classes", 4, "number of classes"),
      forge::real_flag("noise", "0.5", "standard deviation of the noise added to each pattern"),
      forge::integer_flag("data_seed", 0, "seed of the generated data"),
  };
}

forge::Dataset make_split(const torch::Tensor& patterns, int64_t n, double noise, torch::Generator& gen) {
  int64_t classes = patterns.size(0);
  torch::Tensor labels = torch::randint(classes, {n}, gen, torch::kInt64);
  torch::Tensor images = patterns.index_select(0, labels) + noise * torch::randn({n, 1, 8, 8}, gen);
  return {images, labels};
}

forge::DataMap load(const forge::Flags& flags) {
  int64_t samples = flags.integer("samples"), classes = flags.integer("classes");
  if (samples < 1 || classes < 2) throw std::invalid_argument("--samples must be >= 1 and --classes >= 2");
  auto gen = torch::make_generator<at::CPUGeneratorImpl>(flags.integer("data_seed"));
  torch::Tensor patterns = torch::randn({classes, 1, 8, 8}, gen);
  double noise = flags.real("noise");
  forge::DataMap data;
  data.datasets["train"] = make_split(patterns, samples, noise, gen);
  data.datasets["test"] = make_split(patterns, std::max<int64_t>(1, samples / 4), noise, gen);
  data.values["num_classes"] = classes;
  data.values["input_shape"] = std::vector<int64_t>{1, 8, 8};
  return data;
}

}  // namespace

FORGE_DATA_PLUGIN(flags, load)
