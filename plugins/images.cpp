// Data plugin: a folder of images in ImageFolder layout — DATA_DIR/train/<class>/<image>, and
// optionally valid/ and test/ beside train/ with the same class folders — decoded (PNG, JPEG)
// and augmented on the fly by forge's loader threads, so the folder may be larger than memory.
// Classes are the sorted names of train's sub-folders; files other than .png/.jpg/.jpeg and
// hidden ones are ignored. scripts/image_folders.py writes Debian's Fashion-MNIST this way.
// forge:link png
// forge:link jpeg
#include <forge/data.hpp>

#include <forge/image_decode.hpp>
#include <forge/image_ops.hpp>

#include <algorithm>
#include <filesystem>
#include <random>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;
namespace images = forge::images;

namespace {

std::vector<forge::FlagSpec> flags() {
  return {
      forge::text_flag("data_dir", "", "the image folder: train/<class>/<image> (and valid/, test/ alike)"),
      forge::integer_flag("image_size", 0,
                          "resize (shorter side) and centre-crop every image to N x N (0: keep their size, which "
                          "must then be the same for all)"),
      forge::integer_flag("image_channels", 0, "1 (grayscale) or 3 (RGB); 0: as the first training image"),
      forge::bool_flag("random_crop", false, "training: a random N x N window after --crop_padding pixels of padding"),
      forge::integer_flag("crop_padding", 4, "the black border --random_crop pads with"),
      forge::bool_flag("hflip", false, "training: flip half the images horizontally"),
      forge::text_flag("random_resized_crop", "",
                       "training: a random window of MIN,MAX of the area (e.g. 0.08,1), resized to N x N"),
      forge::text_flag("normalize", "auto",
                       "MEAN,STD per channel (or one pair for all), none, or auto: from --stats_images training "
                       "images"),
      forge::integer_flag("stats_images", 1000, "images --normalize auto measures (spread over train)"),
      forge::bool_flag("exact_decode", false,
                       "decode every JPEG whole, at full size, with the accurate DCT (default: only the rows and "
                       "columns the crop needs, scaled down by 1/2, 1/4 or 1/8 when it stays at least --image_size)"),
      forge::real_flag("test_fraction", "0", "without a test/ folder: carve this seeded fraction of train into test"),
      forge::integer_flag("max_file_mb", 256, "refuse (as a bad sample) an image file larger than this many MiB"),
      forge::integer_flag("max_image_pixels", 100'000'000,
                          "refuse (as a bad sample) an image whose header claims more pixels (width x height), or "
                          "one more than 100 times longer than wide, before decoding it"),
  };
}

bool is_image_name(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

struct Listing {
  std::vector<std::string> files;
  std::vector<int64_t> labels;
};

std::vector<std::string> class_folders(const fs::path& split) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(split))
    if (entry.is_directory() && entry.path().filename().string()[0] != '.')
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Every image of `split`'s class folders, sorted by class, then by name.
Listing list_split(const fs::path& split, const std::vector<std::string>& classes) {
  Listing listing;
  for (const std::string& name : class_folders(split)) {
    auto found = std::find(classes.begin(), classes.end(), name);
    if (found == classes.end())
      throw std::runtime_error("class folder " + (split / name).string() + " is not a class of train/ (" +
                               std::to_string(classes.size()) + " classes)");
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(split / name))
      if (entry.is_regular_file() && entry.path().filename().string()[0] != '.' && is_image_name(entry.path()))
        files.push_back(entry.path().string());
    if (files.empty())
      throw std::runtime_error("class folder " + (split / name).string() + " has no .png, .jpg or .jpeg images");
    std::sort(files.begin(), files.end());
    for (auto& file : files) {
      listing.files.push_back(std::move(file));
      listing.labels.push_back(found - classes.begin());
    }
  }
  return listing;
}

struct Transform {
  int size = 0;  // images are size x size
  int channels = 1;
  bool random_crop = false, hflip = false;
  int crop_padding = 4;
  double min_scale = 0, max_scale = 0;  // --random_resized_crop; 0: none
  bool exact_decode = false;
  std::vector<double> mean, std;
  images::DecodeLimits limits;
};

class ImageFolderSource : public forge::Source {
 public:
  ImageFolderSource(Listing listing, std::shared_ptr<const Transform> transform)
      : listing_(std::move(listing)), transform_(std::move(transform)) {}

  int64_t size() const override { return int64_t(listing_.files.size()); }

  forge::Example get(int64_t index, forge::SampleContext& context) const override {
    const Transform& t = *transform_;
    const std::string& file = listing_.files[size_t(index)];
    const bool augment = context.training();
    torch::Tensor label = torch::tensor(listing_.labels[size_t(index)], torch::kInt64);
    images::Image image;
    if (fixed_size_) {
      image = images::decode_image(file, t.channels, t.limits);
      image = augment && t.max_scale > 0 ? images::random_resized_crop(image, t.size, t.min_scale, t.max_scale, context)
                                         : checked(std::move(image));
    } else {
      // The window is chosen from the file's header, so the decoder decodes only what it needs; the
      // resampler writes the tensor itself when nothing else is left to do to the pixels.
      const bool random_window = augment && t.max_scale > 0;
      images::DecodedWindow decoded = images::decode_window(
          file, t.channels, t.limits,
          [&](int width, int height) {
            return random_window ? images::random_resized_window(width, height, t.min_scale, t.max_scale, context)
                                 : images::centre_window(width, height);
          },
          t.size, t.size, t.exact_decode);
      if (!(augment && t.random_crop)) {
        const bool mirror = augment && t.hflip && context.chance(0.5);
        return {images::window_tensor(decoded, t.size, t.size, mirror, t.mean, t.std), label};
      }
      image = images::resampled(decoded, t.size, t.size);
    }
    if (augment && t.random_crop) image = images::random_crop(image, t.size, t.crop_padding, context);
    if (augment && t.hflip && context.chance(0.5)) image = images::flip_horizontally(image);
    return {images::to_tensor(image, t.mean, t.std), label};
  }

  std::string describe(int64_t index) const override { return listing_.files[size_t(index)]; }

  // The file's image as evaluation sees it: with --image_size, its central square resized to it;
  // else as it is, checked to be the first training image's size.
  images::Image sized(const std::string& file) const {
    const Transform& t = *transform_;
    if (fixed_size_) return checked(images::decode_image(file, t.channels, t.limits));
    return images::resampled(
        images::decode_window(file, t.channels, t.limits, images::centre_window, t.size, t.size, t.exact_decode),
        t.size, t.size);
  }
  images::Image checked(images::Image image) const {
    const int size = transform_->size;
    if (image.width != size || image.height != size)
      throw std::runtime_error("the image is " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                               ", the first training image " + std::to_string(size) + "x" + std::to_string(size) +
                               "; give --image_size to resize them all");
    return image;
  }
  void keep_sizes_as_they_are() { fixed_size_ = true; }
  const Listing& listing() const { return listing_; }

 private:
  Listing listing_;
  std::shared_ptr<const Transform> transform_;
  bool fixed_size_ = false;
};

std::vector<double> numbers(const std::string& text, const std::string& flag) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    size_t used = 0;
    double value = 0;
    try {
      value = std::stod(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != part.size()) throw std::invalid_argument("--" + flag + " " + text + ": not numbers");
    out.push_back(value);
  }
  return out;
}

// Per-channel mean and standard deviation of pixels / 255 over up to `count` training images,
// spread evenly over the split (decoded and sized, not augmented).
void measure(const ImageFolderSource& source, int64_t count, Transform& t) {
  const int64_t n = source.size(), take = std::max<int64_t>(1, std::min(count, n));
  std::vector<double> sum(size_t(t.channels), 0), squares(size_t(t.channels), 0);
  double pixels = 0;
  for (int64_t k = 0; k < take; ++k) {
    const std::string& file = source.listing().files[size_t(k * n / take)];
    images::Image image;
    try {
      image = source.sized(file);
    } catch (const std::exception& e) {
      throw std::runtime_error(file + ": " + e.what());
    }
    for (size_t i = 0; i < image.pixels.size(); ++i) {
      const double v = image.pixels[i] / 255.0;
      sum[i % size_t(t.channels)] += v;
      squares[i % size_t(t.channels)] += v * v;
    }
    pixels += double(image.width) * image.height;
  }
  t.mean.clear();
  t.std.clear();
  for (int c = 0; c < t.channels; ++c) {
    const double mean = sum[size_t(c)] / pixels;
    t.mean.push_back(mean);
    t.std.push_back(std::max(1e-6, std::sqrt(std::max(0.0, squares[size_t(c)] / pixels - mean * mean))));
  }
}

forge::DataMap load(const forge::Flags& flags) {
  const std::string dir = flags.text("data_dir");
  if (dir.empty()) throw std::invalid_argument("give --data_dir: a folder with train/<class>/<image> files");
  // The limits first: a bad value is named before any file is looked at.
  auto transform = std::make_shared<Transform>();
  Transform& t = *transform;
  const int64_t max_file_mb = flags.integer("max_file_mb"), max_pixels = flags.integer("max_image_pixels");
  if (max_file_mb < 1 || max_file_mb > (int64_t(1) << 40))
    throw std::invalid_argument("--max_file_mb must be at least 1");
  if (max_pixels < 1) throw std::invalid_argument("--max_image_pixels must be at least 1");
  t.limits.max_file_bytes = uint64_t(max_file_mb) << 20;
  t.limits.max_pixels = uint64_t(max_pixels);
  const fs::path root(dir);
  if (!fs::is_directory(root)) throw std::runtime_error("image folder " + dir + " does not exist");
  if (!fs::is_directory(root / "train"))
    throw std::runtime_error("image folder " + dir + " has no train/ folder (train/<class>/<image>)");
  const std::vector<std::string> classes = class_folders(root / "train");
  if (classes.empty()) throw std::runtime_error("image folder " + (root / "train").string() + " has no class folders");

  Listing train = list_split(root / "train", classes);
  t.channels = int(flags.integer("image_channels"));
  if (t.channels == 0) {
    try {
      t.channels = images::channels_of(train.files.front(), t.limits);
    } catch (const std::exception& e) {
      throw std::runtime_error(train.files.front() + ": " + e.what());
    }
  }
  if (t.channels != 1 && t.channels != 3) throw std::invalid_argument("--image_channels must be 1, 3 or 0");
  const int64_t image_size = flags.integer("image_size");
  if (image_size < 0) throw std::invalid_argument("--image_size must not be negative");
  if (image_size > 65535 || uint64_t(image_size) * uint64_t(image_size) > t.limits.max_pixels)
    throw std::invalid_argument("--image_size " + std::to_string(image_size) +
                                " makes images of more than --max_image_pixels pixels");
  t.size = int(image_size);
  const bool fixed = t.size == 0;
  if (fixed) {
    try {
      images::Image first = images::decode_image(train.files.front(), t.channels, t.limits);
      if (first.width != first.height)
        throw std::runtime_error("is " + std::to_string(first.width) + "x" + std::to_string(first.height) +
                                 ", not square; give --image_size");
      t.size = first.width;
    } catch (const std::exception& e) {
      throw std::runtime_error(train.files.front() + ": " + e.what());
    }
  }
  t.random_crop = flags.boolean("random_crop");
  t.crop_padding = int(flags.integer("crop_padding"));
  if (t.crop_padding < 0) throw std::invalid_argument("--crop_padding must not be negative");
  t.hflip = flags.boolean("hflip");
  t.exact_decode = flags.boolean("exact_decode");
  if (!flags.text("random_resized_crop").empty()) {
    std::vector<double> scale = numbers(flags.text("random_resized_crop"), "random_resized_crop");
    if (scale.size() != 2 || !(scale[0] > 0 && scale[0] <= scale[1] && scale[1] <= 1))
      throw std::invalid_argument("--random_resized_crop wants MIN,MAX with 0 < MIN <= MAX <= 1, e.g. 0.08,1");
    t.min_scale = scale[0];
    t.max_scale = scale[1];
  }

  auto make = [&](Listing listing) {
    auto source = std::make_shared<ImageFolderSource>(std::move(listing), transform);
    if (fixed) source->keep_sizes_as_they_are();
    return source;
  };
  // The test split: test/, or a seeded share of train.
  Listing test;
  if (fs::is_directory(root / "test")) {
    test = list_split(root / "test", classes);
  } else if (double fraction = flags.real("test_fraction"); fraction > 0) {
    if (!(fraction < 1)) throw std::invalid_argument("--test_fraction must lie in [0, 1)");
    std::vector<size_t> order(train.files.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::mt19937_64 generator(uint64_t(flags.integer("seed")) ^ 0x7e57f4ac7104ull);
    std::shuffle(order.begin(), order.end(), generator);
    const size_t count = size_t(std::llround(fraction * double(order.size())));
    if (count < 1 || count >= order.size()) throw std::invalid_argument("--test_fraction leaves train or test empty");
    std::vector<bool> in_test(order.size(), false);
    for (size_t i = 0; i < count; ++i) in_test[order[i]] = true;
    Listing kept;
    for (size_t i = 0; i < order.size(); ++i) {
      Listing& into = in_test[i] ? test : kept;
      into.files.push_back(train.files[i]);
      into.labels.push_back(train.labels[i]);
    }
    train = std::move(kept);
  }

  forge::DataMap data;
  auto train_source = make(std::move(train));
  const std::string normalize = flags.text("normalize");
  if (normalize == "auto") {
    measure(*train_source, flags.integer("stats_images"), t);
  } else if (normalize == "none") {
    t.mean.assign(size_t(t.channels), 0.0);
    t.std.assign(size_t(t.channels), 1.0);
  } else {
    std::vector<double> pairs = numbers(normalize, "normalize");
    if (pairs.size() == 2) {
      t.mean.assign(size_t(t.channels), pairs[0]);
      t.std.assign(size_t(t.channels), pairs[1]);
    } else if (pairs.size() == size_t(2 * t.channels)) {
      t.mean.assign(pairs.begin(), pairs.begin() + t.channels);
      t.std.assign(pairs.begin() + t.channels, pairs.end());
    } else {
      throw std::invalid_argument("--normalize wants MEAN,STD or one mean per channel then one std per channel");
    }
    for (double s : t.std)
      if (!(s > 0)) throw std::invalid_argument("--normalize: a standard deviation must be positive");
  }
  data.datasets["train"] = forge::Dataset::of(train_source);
  if (!test.files.empty()) data.datasets["test"] = forge::Dataset::of(make(std::move(test)));
  if (fs::is_directory(root / "valid"))
    data.datasets["valid"] = forge::Dataset::of(make(list_split(root / "valid", classes)));

  std::ostringstream recorded;
  for (double m : t.mean) recorded << (recorded.tellp() > 0 ? "," : "") << m;
  for (double s : t.std) recorded << "," << s;
  data.values["normalize"] = recorded.str();  // what --normalize auto measured, as the flag would take it
  data.values["pixel_mean"] = t.mean.front();
  data.values["pixel_std"] = t.std.front();
  data.values["num_classes"] = int64_t(classes.size());
  data.values["class_names"] = classes;
  data.values["input_shape"] = std::vector<int64_t>{t.channels, t.size, t.size};
  return data;
}

}  // namespace

FORGE_DATA_PLUGIN(flags, load)
