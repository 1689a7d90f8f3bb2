// Model plugin: a multi-layer perceptron with one hidden layer, sized from the data map's
// input_shape and output size (num_classes, or num_outputs for regression).
#include <forge/model.hpp>

namespace {

std::vector<forge::FlagSpec> flags() { return {forge::integer_flag("n_hidden", 128, "units in the hidden layer")}; }

std::shared_ptr<forge::Model> load(const forge::Flags& flags, const forge::DataMap& data) {
  int64_t inputs = 1;
  for (int64_t d : data.value<std::vector<int64_t>>("input_shape")) inputs *= d;
  int64_t hidden = flags.integer("n_hidden");
  if (hidden < 1) throw std::invalid_argument("--n_hidden must be at least 1");
  torch::nn::Sequential net(torch::nn::Flatten(), torch::nn::Linear(inputs, hidden), torch::nn::ReLU(),
                            torch::nn::Linear(hidden, data.output_size()));
  return forge::Model::of(net);
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
