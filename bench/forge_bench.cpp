// The C++ side of bench/run_bench.py: hand-written libtorch loops to compare forge against,
// the matmul floor, checkpoint save/load and data loading, each printed as one JSON line.
//
//   forge_bench epoch --loop hand|flushed|fused|floor --model mlp|cnn [--batch_size 32] [--epochs 1]
//                     [--threads 1] [--train_limit 0] [--device cpu|cuda] [--data_dir D]
//   forge_bench checkpoint --model mlp|cnn [--reps 5]
//   forge_bench load_data [--reps 3]
//   forge_bench checkpoint_io --params N [--reps 3] [--dir D]
//   forge_bench loader --data_dir FOLDER [--workers 2] [--prefetch 2] [--batch_size 64] [--epochs 1]
//                      [--transforms fashion|photo] [--exact_decode false]
//   forge_bench jpeg_decode --data_dir FOLDER [--decode full|window|entropy]
//
// The loops load the same data and model as forge (the built-in mnist, mlp and cnn plugins
// with their default flags) and train as a user would by hand: shuffled batches,
// cross-entropy, torch::optim::RMSprop(lr 1e-3, momentum 0.9). `hand` leaves denormals as
// libtorch leaves them; `flushed` flushes them, as forge does by default; `fused` also takes
// forge's FusedRMSprop instead of torch::optim's.
#include "plugin_host/plugin_loader.hpp"
#include "plugin_host/plugin_resolver.hpp"
#include "train/batch_loader.hpp"
#include "train/checkpoint.hpp"
#include "train/checkpointer.hpp"
#include "train/fused_rmsprop.hpp"

#include <forge/model.hpp>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>
#if FORGE_BENCH_HAS_JPEG
#include <forge/image_decode.hpp>
#include <forge/image_ops.hpp>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// --name value pairs.
std::map<std::string, std::string> options(int argc, char** argv) {
  std::map<std::string, std::string> out;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0) throw std::invalid_argument("expected --name value, got " + name);
    out[name.substr(2)] = argv[i + 1];
  }
  return out;
}

std::string option(const std::map<std::string, std::string>& o, const std::string& name, const std::string& fallback) {
  auto it = o.find(name);
  return it == o.end() ? fallback : it->second;
}

forge::Flags plugin_defaults(const forge::LoadedPlugin& plugin, const std::map<std::string, std::string>& given) {
  forge::Flags flags;
  for (const auto& spec : plugin.flags) flags.set(spec.name, option(given, spec.name, spec.default_value));
  return flags;
}

// Pixels in [0, 1], not standardised: what the Python peer's ToTensor() gives. From the mnist
// plugin's default folder unless `data_dir` names another.
forge::DataMap load_fashion_mnist(int64_t train_limit, const std::string& data_dir = "") {
  auto plugin = forge::load_plugin(forge::resolve_plugin("mnist"), forge::PluginKind::data);
  std::map<std::string, std::string> given{{"train_limit", std::to_string(train_limit)}, {"standardize", "false"}};
  if (!data_dir.empty()) given["data_dir"] = data_dir;
  return plugin.load_data(plugin_defaults(plugin, given));
}

std::shared_ptr<forge::Model> load_model(const std::string& name, const forge::DataMap& data) {
  auto plugin = forge::load_plugin(forge::resolve_plugin(name), forge::PluginKind::model);
  return plugin.load_model(plugin_defaults(plugin, {}), data);
}

// One epoch as a user writes it by hand (on a GPU: each batch copied there with .to(device),
// the model already on it; timed until the GPU has finished).
double hand_written_epoch(forge::Model& model, torch::optim::Optimizer& optimizer, const forge::Dataset& train,
                          int64_t batch_size, torch::Device device = torch::kCPU) {
  auto start = Clock::now();
  model.module().train();
  torch::Tensor order = torch::randperm(train.size());
  for (int64_t at = 0; at < train.size(); at += batch_size) {
    torch::Tensor index = order.slice(0, at, std::min(train.size(), at + batch_size));
    optimizer.zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(
        model.forward(train.inputs.index_select(0, index).to(device)), train.targets.index_select(0, index).to(device));
    loss.backward();
    optimizer.step();
  }
  if (device.is_cuda()) torch::cuda::synchronize();
  return seconds_since(start);
}

// The matmuls of one epoch of the 784-128-10 MLP, forward and backward, nothing else: the
// floor for this job on this machine.
double matmul_floor_epoch(const forge::Dataset& train, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  torch::Tensor x = train.inputs.reshape({train.size(), -1});
  torch::Tensor w1 = torch::randn({128, x.size(1)}) * 0.01, w2 = torch::randn({10, 128}) * 0.01;
  auto start = Clock::now();
  for (int64_t at = 0; at < train.size(); at += batch_size) {
    torch::Tensor batch = x.slice(0, at, std::min(train.size(), at + batch_size));
    torch::Tensor hidden = torch::mm(batch, w1.t()).relu_();
    torch::Tensor logits = torch::mm(hidden, w2.t());
    torch::Tensor grad_w2 = torch::mm(logits.t(), hidden);      // dL/dW2 with dL/dlogits ~ logits
    torch::Tensor grad_hidden = torch::mm(logits, w2);          // back through W2
    torch::Tensor grad_w1 = torch::mm(grad_hidden.t(), batch);  // dL/dW1
    (void)grad_w1;
    (void)grad_w2;
  }
  return seconds_since(start);
}

int epoch_command(const std::map<std::string, std::string>& o) {
  const std::string loop = option(o, "loop", "hand"), model_name = option(o, "model", "mlp");
  const int64_t batch_size = std::stoll(option(o, "batch_size", "32")), epochs = std::stoll(option(o, "epochs", "1"));
  torch::set_num_threads(std::stoi(option(o, "threads", "1")));
  at::globalContext().setFlushDenormal(loop == "flushed" || loop == "fused");
  torch::manual_seed(0);
  const torch::Device device(option(o, "device", "cpu"));
  forge::DataMap data = load_fashion_mnist(std::stoll(option(o, "train_limit", "0")), option(o, "data_dir", ""));
  const forge::Dataset& train = data.dataset("train");
  std::vector<double> seconds;
  if (loop == "floor") {
    for (int64_t e = 0; e < epochs; ++e) seconds.push_back(matmul_floor_epoch(train, batch_size));
  } else if (loop == "hand" || loop == "flushed" || loop == "fused") {
    auto model = load_model(model_name, data);
    model->module().to(device);
    auto options = torch::optim::RMSpropOptions(1e-3).momentum(0.9);
    std::unique_ptr<torch::optim::Optimizer> optimizer;
    if (loop == "fused")
      optimizer = std::make_unique<forge::FusedRMSprop>(model->module().parameters(), options);
    else
      optimizer = std::make_unique<torch::optim::RMSprop>(model->module().parameters(), options);
    for (int64_t e = 0; e < epochs; ++e)
      seconds.push_back(hand_written_epoch(*model, *optimizer, train, batch_size, device));
  } else {
    throw std::invalid_argument("--loop must be hand, flushed, fused or floor");
  }
  std::cout << json{{"loop", loop},
                    {"model", model_name},
                    {"batch_size", batch_size},
                    {"threads", torch::get_num_threads()},
                    {"device", device.str()},
                    {"samples", train.size()},
                    {"epoch_seconds", seconds}}
            << std::endl;
  return 0;
}

int checkpoint_command(const std::map<std::string, std::string>& o) {
  const std::string model_name = option(o, "model", "mlp");
  const int reps = std::stoi(option(o, "reps", "5"));
  forge::DataMap data = load_fashion_mnist(256);
  auto model = load_model(model_name, data);
  torch::optim::RMSprop optimizer(model->module().parameters(), torch::optim::RMSpropOptions(1e-3).momentum(0.9));
  const forge::Dataset& train = data.dataset("train");
  hand_written_epoch(*model, optimizer, train, 64);  // so that the optimizer has state to save
  std::string dir = (std::filesystem::temp_directory_path() / ("forge-bench-" + std::to_string(::getpid()))).string();
  std::string path = forge::checkpoint_path(dir, 1);
  std::vector<double> save, load;
  for (int r = 0; r < reps; ++r) {
    auto start = Clock::now();
    forge::save_checkpoint(path, model->module(), optimizer, {});
    save.push_back(seconds_since(start));
    start = Clock::now();
    forge::load_checkpoint(path, model->module(), &optimizer);
    load.push_back(seconds_since(start));
  }
  auto bytes = std::filesystem::file_size(path);
  std::filesystem::remove_all(dir);
  std::cout << json{{"model", model_name},         {"bytes", bytes},
                    {"save_seconds", save},        {"load_seconds", load},
                    {"save_median", median(save)}, {"load_median", median(load)}}
            << std::endl;
  return 0;
}

// --- checkpoint_io: forge's checkpoint against the disk itself ---------------------------------

// The baselines: the same number of bytes written and fsynced, and read back, with plain file I/O.
double plain_write(const std::string& path, const std::vector<char>& bytes) {
  auto start = Clock::now();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = ::write(fd, bytes.data() + done, std::min<size_t>(bytes.size() - done, size_t(1) << 30));
    if (n <= 0) throw std::runtime_error("plain write failed");
    done += size_t(n);
  }
  ::fsync(fd);
  ::close(fd);
  return seconds_since(start);
}

double plain_read(const std::string& path, size_t size) {
  auto start = Clock::now();
  std::unique_ptr<char[]> buffer(new char[size]);  // fresh, as a loader's would be
  int fd = ::open(path.c_str(), O_RDONLY);
  for (size_t done = 0; done < size;) {
    ssize_t n = ::read(fd, buffer.get() + done, std::min<size_t>(size - done, size_t(1) << 30));
    if (n <= 0) throw std::runtime_error("plain read failed");
    done += size_t(n);
  }
  ::close(fd);
  return seconds_since(start);
}

// Resident and peak memory (kB) from /proc; writing 5 to clear_refs resets the peak.
long status_kb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}
void reset_peak_memory() { std::ofstream("/proc/self/clear_refs") << "5"; }

// An MLP on Fashion-MNIST's shape with about `params` parameters and Adam's state after one
// step (so the checkpoint holds three times the parameters): what a user of a bigger model saves.
int checkpoint_io_command(const std::map<std::string, std::string>& o) {
  const int64_t params = std::stoll(option(o, "params", "1000000"));
  const int reps = std::stoi(option(o, "reps", "3"));
  const std::string dir = option(o, "dir", (std::filesystem::temp_directory_path() / "forge-bench-ckpt").string()) +
                          "-" + std::to_string(::getpid());
  const int64_t hidden = std::max<int64_t>(1, params / (784 + 1 + 10));
  torch::nn::Sequential model(torch::nn::Linear(784, hidden), torch::nn::ReLU(), torch::nn::Linear(hidden, 10));
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  for (auto& p : model->parameters()) p.mutable_grad() = torch::full_like(p, 1e-3);
  optimizer.step();
  int64_t state_bytes = 0;
  for (auto& p : model->parameters()) state_bytes += 3 * p.numel() * int64_t(p.element_size());

  const std::string path = forge::checkpoint_path(dir, 1), plain = dir + "/plain.bin";
  std::vector<double> save, load, write, read, stall, background;
  forge::save_checkpoint(path, *model, optimizer, {});  // warm: folders, first page faults
  const size_t bytes = std::filesystem::file_size(path);
  std::vector<char> buffer(bytes, 1);
  // Each write goes to a new file on a settled disk (the file it replaces removed and everything
  // synced beforehand, untimed): freeing the old file's blocks (a discard on this disk) and the
  // other writer's pending journal are nobody's cost. Alternating which goes first.
  auto timed_plain_write = [&] {
    std::filesystem::remove(plain);
    ::sync();
    write.push_back(plain_write(plain, buffer));
  };
  for (int r = 0; r < 2 * reps; ++r) {
    if (r % 2) timed_plain_write();
    std::filesystem::remove(path);
    ::sync();
    auto start = Clock::now();
    forge::save_checkpoint(path, *model, optimizer, {});
    save.push_back(seconds_since(start));
    if (r % 2 == 0) timed_plain_write();
    // Reads from the page cache, both: each file is read once, untimed, just before (this
    // machine's memory limit would otherwise leave one cached and the other not, at random).
    auto timed_plain_read = [&] {
      plain_read(plain, bytes);
      read.push_back(plain_read(plain, bytes));
    };
    if (r % 2) timed_plain_read();
    plain_read(path, bytes);
    start = Clock::now();
    forge::load_checkpoint(path, *model, &optimizer);
    load.push_back(seconds_since(start));
    if (r % 2 == 0) timed_plain_read();
  }
  std::filesystem::remove(plain);
  buffer = {};
  // Asynchronous: the stall (save() returning) and the write behind it; the copy's memory is
  // reused from the second checkpoint on, so the first is left out of the stall.
  const long rss_before = status_kb("VmRSS");
  reset_peak_memory();
  {
    forge::RunFolderCheckpointer checkpointer(dir, {torch::kCPU, 1, 1, 0, /*asynchronous=*/true});
    for (int r = 0; r <= reps; ++r) {
      auto start = Clock::now();
      checkpointer.save({*model, optimizer}, forge::TrainingPosition{0, 0, r + 2}, -1);
      const double stalled = seconds_since(start);
      start = Clock::now();
      checkpointer.wait();
      if (r > 0) stall.push_back(stalled), background.push_back(seconds_since(start));
    }
  }
  const long peak_extra_kb = status_kb("VmHWM") - rss_before;
  std::filesystem::remove_all(dir);
  std::cout << json{{"params", params},
                    {"state_bytes", state_bytes},
                    {"file_bytes", bytes},
                    {"plain_write_fsync_seconds", write},
                    {"save_seconds", save},
                    {"plain_read_seconds", read},
                    {"load_seconds", load},
                    {"async_stall_seconds", stall},
                    {"async_wait_seconds", background},
                    {"async_peak_extra_bytes", peak_extra_kb * 1024}}
            << std::endl;
  return 0;
}

int load_data_command(const std::map<std::string, std::string>& o) {
  std::vector<double> seconds;
  for (int r = 0, reps = std::stoi(option(o, "reps", "3")); r < reps; ++r) {
    auto start = Clock::now();
    load_fashion_mnist(0);
    seconds.push_back(seconds_since(start));
  }
  std::cout << json{{"what", "load Fashion-MNIST .gz"}, {"seconds", seconds}, {"median", median(seconds)}} << std::endl;
  return 0;
}

// forge's loader alone — decode, augment, collate; no training — over an ImageFolder. With
// --transforms fashion (the default), those of ../shared/bench/peer_loader.py: grayscale, random crop with 4 pixels
// of padding, random horizontal flip, normalise with (0.286, 0.353); with --transforms photo, ImageNet's
// (bench/peer_photo_loader.py): RGB, RandomResizedCrop 224 (0.08 to 1 of the area), flip, ImageNet's mean and std.
// --exact_decode true decodes every JPEG whole. One libtorch thread, as the peers.
int loader_command(const std::map<std::string, std::string>& o) {
  torch::set_num_threads(1);
  auto plugin = forge::load_plugin(forge::resolve_plugin("images"), forge::PluginKind::data);
  std::map<std::string, std::string> given{{"data_dir", option(o, "data_dir", "")}, {"hflip", "true"}, {"seed", "0"}};
  const std::string transforms = option(o, "transforms", "fashion");
  if (transforms == "fashion") {
    given.insert({{"image_channels", "1"}, {"random_crop", "true"}, {"normalize", "0.286,0.353"}});
  } else if (transforms == "photo") {
    given.insert({{"image_channels", "3"},
                  {"image_size", "224"},
                  {"random_resized_crop", "0.08,1"},
                  {"normalize", "0.485,0.456,0.406,0.229,0.224,0.225"},
                  {"exact_decode", option(o, "exact_decode", "false")}});
  } else {
    throw std::invalid_argument("--transforms fashion|photo");
  }
  forge::DataMap data = plugin.load_data(plugin_defaults(plugin, given));
  const forge::Dataset& train = data.dataset("train");
  const int64_t batch = std::stoll(option(o, "batch_size", "64")), epochs = std::stoll(option(o, "epochs", "1"));
  forge::LoaderSettings settings;
  settings.workers = std::stoll(option(o, "workers", "2"));
  settings.prefetch = std::stoll(option(o, "prefetch", "2"));
  int64_t images = 0;
  auto start = Clock::now();
  for (int64_t epoch = 1; epoch <= epochs; ++epoch) {
    torch::Tensor order = torch::randperm(train.size(), torch::kInt64);
    std::vector<torch::Tensor> plan;
    for (int64_t at = 0; at < train.size(); at += batch) plan.push_back(order.slice(0, at, at + batch));
    forge::BatchLoader loader(*train.source, "train", epoch, std::move(plan), settings);
    while (!loader.done()) images += loader.next().batch.size();
  }
  const double seconds = seconds_since(start);
  std::cout << json{{"what", "forge loader"},
                    {"workers", settings.workers},
                    {"images", images},
                    {"seconds", seconds},
                    {"images_per_second", double(images) / seconds}}
            << std::endl;
  return 0;
}

#if FORGE_BENCH_HAS_JPEG
// Decodes `file` with libjpeg-turbo, whatever `decode` does after the header; a corrupt file exits
// (these are the benchmark's own).
template <class Decode>
void with_decompressor(const std::vector<uint8_t>& file, Decode&& decode) {
  jpeg_decompress_struct info;
  jpeg_error_mgr error;
  info.err = jpeg_std_error(&error);
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, file.data(), static_cast<unsigned long>(file.size()));
  jpeg_read_header(&info, TRUE);
  decode(info);
  jpeg_destroy_decompress(&info);
}

// The limits of a JPEG pipeline, every JPEG under --data_dir in one thread, from memory (the files
// are read before the clock starts). --decode full: libjpeg-turbo's plain decode (its defaults:
// the accurate DCT, smooth chroma upsampling, RGB), whole and at full size — the naive limit.
// window: forge's windowed decode alone (forge/image_decode.hpp; RandomResizedCrop boxes for 224,
// drawn as the images plugin draws them), no resample. entropy: the entropy decoding of the
// whole file and nothing else (every row skipped but the last, one block wide) — what no
// decode of a sequential JPEG without restart markers can avoid for the rows above a box.
int jpeg_decode_command(const std::map<std::string, std::string>& o) {
  const std::string decode = option(o, "decode", "full");
  if (decode != "full" && decode != "window" && decode != "entropy")
    throw std::invalid_argument("--decode full|window|entropy");
  std::vector<std::vector<uint8_t>> bytes;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(option(o, "data_dir", "")))
    if (entry.is_regular_file() && (entry.path().extension() == ".jpg" || entry.path().extension() == ".jpeg")) {
      std::ifstream in(entry.path(), std::ios::binary);
      bytes.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  std::vector<unsigned char> pixels;
  std::vector<JSAMPROW> rows;
  uint64_t decoded_pixels = 0;
  const forge::images::DecodeLimits limits;
  auto start = Clock::now();
  for (size_t i = 0; i < bytes.size(); ++i) {
    const std::vector<uint8_t>& file = bytes[i];
    if (decode == "window") {
      forge::SampleContext context("train", 1, int64_t(i), 0);
      auto choose = [&](int width, int height) {
        return forge::images::random_resized_window(width, height, 0.08, 1, context);
      };
      const forge::images::DecodedWindow window =
          forge::images::detail::decode_jpeg_window(file, 3, limits, choose, 224, 224, false);
      decoded_pixels += uint64_t(window.width) * uint64_t(window.height);
      continue;
    }
    with_decompressor(file, [&](jpeg_decompress_struct& info) {
      info.out_color_space = JCS_RGB;
      if (decode == "entropy") {
        info.dct_method = JDCT_IFAST;
        info.do_fancy_upsampling = FALSE;
      }
      jpeg_start_decompress(&info);
      const size_t row_bytes = size_t(info.output_width) * 3;
      if (decode == "entropy") {
        JDIMENSION first = 0, width = 1;
        jpeg_crop_scanline(&info, &first, &width);
        jpeg_skip_scanlines(&info, info.output_height - 1);
        pixels.resize(row_bytes);
        JSAMPROW row = pixels.data();
        jpeg_read_scanlines(&info, &row, 1);
      } else {
        pixels.resize(row_bytes * info.output_height);
        rows.resize(info.output_height);
        for (size_t y = 0; y < rows.size(); ++y) rows[y] = pixels.data() + y * row_bytes;
        while (info.output_scanline < info.output_height)
          jpeg_read_scanlines(&info, rows.data() + info.output_scanline, info.output_height - info.output_scanline);
        decoded_pixels += uint64_t(info.output_width) * info.output_height;
      }
      jpeg_finish_decompress(&info);
    });
  }
  const double seconds = seconds_since(start);
  std::cout << json{{"what", "libjpeg-turbo " + decode + " decode"},
                    {"images", bytes.size()},
                    {"seconds", seconds},
                    {"megapixels", double(decoded_pixels) / 1e6},
                    {"images_per_second", double(bytes.size()) / seconds}}
            << std::endl;
  return 0;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string command = argc > 1 ? argv[1] : "";
    auto o = options(argc, argv);
    if (command == "epoch") return epoch_command(o);
    if (command == "checkpoint") return checkpoint_command(o);
    if (command == "load_data") return load_data_command(o);
    if (command == "checkpoint_io") return checkpoint_io_command(o);
    if (command == "loader") return loader_command(o);
#if FORGE_BENCH_HAS_JPEG
    if (command == "jpeg_decode") return jpeg_decode_command(o);
#endif
    std::cerr
        << "usage: forge_bench epoch|checkpoint|load_data|checkpoint_io|loader|jpeg_decode [--name value ...] (see "
           "bench/forge_bench.cpp)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "forge_bench: error: " << e.what() << "\n";
    return 1;
  }
}
