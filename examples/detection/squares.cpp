// Data plugin for the detection example (grid_detector.cpp): 32x32 grey images holding zero to
// three bright squares (sides 4 to 10 pixels) over noise. Each sample's `boxes` field holds one
// row per square, (x0, y0, x1, y1) in pixels — a different number per image, so a batch pads
// them (with -1) and gives each image's count as `box_count`; `targets` is that count too.
//
//   forge train --data examples/detection/squares.cpp --model examples/detection/grid_detector.cpp
#include <forge/data.hpp>

namespace {

constexpr int64_t side = 32;

std::vector<forge::FlagSpec> flags() {
  return {forge::integer_flag("images", 2000, "images in train (test has a quarter as many)")};
}

class Squares : public forge::Source {
 public:
  Squares(int64_t size, std::string split) : size_(size), split_(std::move(split)) {}

  int64_t size() const override { return size_; }

  // A function of the split and the index alone: the same images every epoch.
  forge::Example get(int64_t index, forge::SampleContext&) const override {
    forge::SampleContext fixed(split_, 0, index, 23);
    torch::Tensor image = torch::randn({1, side, side}, fixed.generator()) * 0.15;
    const int64_t count = fixed.integer(0, 3);
    torch::Tensor boxes = torch::empty({count, 4});
    for (int64_t i = 0; i < count; ++i) {
      const int64_t width = fixed.integer(4, 10);
      const int64_t x = fixed.integer(0, side - width), y = fixed.integer(0, side - width);
      image.slice(1, y, y + width).slice(2, x, x + width) += 1.0;
      boxes[i] = torch::tensor({float(x), float(y), float(x + width), float(y + width)});
    }
    forge::Example example{image, torch::tensor(count)};
    example["boxes"] = boxes;
    return example;
  }

  forge::Batch collate(std::vector<forge::Example>& examples) const override {
    forge::pad_field(examples, "boxes", -1, "box_count");
    return forge::stack_examples(examples);
  }

 private:
  int64_t size_;
  std::string split_;
};

forge::DataMap load(const forge::Flags& flags) {
  const int64_t images = flags.integer("images");
  if (images < 4) throw std::invalid_argument("--images must be at least 4");
  forge::DataMap data;
  data.datasets["train"] = forge::Dataset::of(std::make_shared<Squares>(images, "train"));
  data.datasets["test"] = forge::Dataset::of(std::make_shared<Squares>(images / 4, "test"));
  data.values["input_shape"] = std::vector<int64_t>{1, side, side};
  return data;
}

}  // namespace

FORGE_DATA_PLUGIN(flags, load)
