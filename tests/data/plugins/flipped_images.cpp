// A user's data plugin built on forge's public image helpers (forge/image_decode.hpp,
// forge/image_ops.hpp): every PNG or JPEG of FOLDER/<class>/, decoded grey, sized to 28 x 28
// and flipped, as one in-memory training set. Compiled by forge in the end-to-end tests.
// forge:link png
// forge:link jpeg
#include <forge/data.hpp>
#include <forge/image_decode.hpp>
#include <forge/image_ops.hpp>

#include <algorithm>
#include <filesystem>

namespace {

std::vector<forge::FlagSpec> flags() { return {forge::text_flag("folder", "", "FOLDER/<class>/<image>")}; }

forge::DataMap load(const forge::Flags& flags) {
  namespace fs = std::filesystem;
  std::vector<fs::path> classes;
  for (const auto& entry : fs::directory_iterator(flags.text("folder")))
    if (entry.is_directory()) classes.push_back(entry.path());
  std::sort(classes.begin(), classes.end());
  std::vector<torch::Tensor> inputs, targets;
  for (size_t label = 0; label < classes.size(); ++label)
    for (const auto& entry : fs::directory_iterator(classes[label])) {
      forge::images::Image image = forge::images::decode_image(entry.path().string(), 1, forge::images::DecodeLimits{});
      image = forge::images::flip_horizontally(forge::images::resize_and_center_crop(image, 28));
      inputs.push_back(forge::images::to_tensor(image, {0.5}, {0.5}));
      targets.push_back(torch::tensor(int64_t(label)));
    }
  forge::DataMap data;
  data.datasets["train"] = forge::Dataset{torch::stack(inputs), torch::stack(targets)};
  data.values["num_classes"] = int64_t(classes.size());
  data.values["input_shape"] = std::vector<int64_t>{1, 28, 28};
  return data;
}

}  // namespace

FORGE_DATA_PLUGIN(flags, load)
