// A user's model plugin with a local header, compiled by forge in the end-to-end tests.
#include <forge/model.hpp>

#include "tiny_net_layers.hpp"

namespace {

std::vector<forge::FlagSpec> flags() { return {forge::integer_flag("width", 8, "hidden width")}; }

std::shared_ptr<forge::Model> load(const forge::Flags& flags, const forge::DataMap& data) {
  auto shape = data.value<std::vector<int64_t>>("input_shape");
  int64_t inputs = shape[0] * shape[1] * shape[2];
  return forge::Model::of(tiny_net(inputs, flags.integer("width"), data.value<int64_t>("num_classes")));
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
