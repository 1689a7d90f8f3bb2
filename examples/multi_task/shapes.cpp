// Data plugin for the multi-task example: 16x16 grey images of one shape — a square, a disc or
// a cross — drawn at a random place and size over noise. Each sample has two targets: the shape
// (`targets`, a class) and its size (`size`, its half-width in pixels, a number), so a model
// with two heads learns both (two_heads.cpp). Made on demand from the sample's own generator,
// so every epoch, worker count and resume sees the same images.
//
//   forge train --data examples/multi_task/shapes.cpp --model examples/multi_task/two_heads.cpp
#include <forge/data.hpp>

#include <cmath>

namespace {

constexpr int64_t side = 16;

std::vector<forge::FlagSpec> flags() {
  return {forge::integer_flag("shapes", 3000, "images in train (test has a quarter as many)"),
          forge::real_flag("shape_noise", "0.1", "standard deviation of the noise under the shape")};
}

class Shapes : public forge::Source {
 public:
  Shapes(int64_t size, double noise, std::string seed_split)
      : size_(size), noise_(noise), seed_split_(std::move(seed_split)) {}

  int64_t size() const override { return size_; }

  // The image is a function of the split and the index alone (not of the epoch): a fixed dataset.
  forge::Example get(int64_t index, forge::SampleContext&) const override {
    forge::SampleContext fixed(seed_split_, 0, index, 17);
    const int64_t shape = fixed.integer(0, 2);
    const int64_t half = fixed.integer(2, 6);
    const int64_t cx = fixed.integer(half, side - 1 - half), cy = fixed.integer(half, side - 1 - half);
    torch::Tensor image = torch::randn({1, side, side}, fixed.generator()) * noise_;
    auto pixel = image.accessor<float, 3>();
    for (int64_t y = 0; y < side; ++y)
      for (int64_t x = 0; x < side; ++x) {
        const int64_t dx = std::abs(x - cx), dy = std::abs(y - cy);
        const bool inside = shape == 0   ? dx <= half && dy <= half
                            : shape == 1 ? dx * dx + dy * dy <= half * half
                                         : (dx <= 1 && dy <= half) || (dy <= 1 && dx <= half);
        if (inside) pixel[0][y][x] += 1.0f;
      }
    forge::Example example{image, torch::tensor(shape)};
    example["size"] = torch::tensor(float(half));
    return example;
  }

 private:
  int64_t size_;
  double noise_;
  std::string seed_split_;
};

forge::DataMap load(const forge::Flags& flags) {
  const int64_t shapes = flags.integer("shapes");
  if (shapes < 4) throw std::invalid_argument("--shapes must be at least 4");
  forge::DataMap data;
  data.datasets["train"] = forge::Dataset::of(std::make_shared<Shapes>(shapes, flags.real("shape_noise"), "train"));
  data.datasets["test"] = forge::Dataset::of(std::make_shared<Shapes>(shapes / 4, flags.real("shape_noise"), "test"));
  data.values["num_classes"] = int64_t(3);
  data.values["class_names"] = std::vector<std::string>{"square", "disc", "cross"};
  data.values["input_shape"] = std::vector<int64_t>{1, side, side};
  return data;
}

}  // namespace

FORGE_DATA_PLUGIN(flags, load)
