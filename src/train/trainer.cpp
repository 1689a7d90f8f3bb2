#include "train/trainer.hpp"

#include "core/error.hpp"
#include "train/evaluate.hpp"
#include "train/stop_signals.hpp"

#include <boost/filesystem.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <sstream>

namespace forge {
namespace {

std::string format_metrics(const std::map<std::string, double>& metrics) {
  std::ostringstream out;
  for (const auto& [name, value] : metrics) out << ' ' << name << ' ' << value;
  return out.str();
}

std::map<std::string, double> means(const TrainingPosition& p) {
  std::map<std::string, double> out;
  for (const auto& [name, sum] : p.epoch_sums) out[name] = sum / double(std::max<int64_t>(1, p.epoch_batches));
  return out;
}

}  // namespace

BestMetric parse_best_metric(const std::string& text) {
  auto slash = text.find('/'), colon = text.rfind(':');
  std::string direction = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (slash == std::string::npos || colon == std::string::npos || colon < slash || slash == 0 ||
      colon == slash + 1 || (direction != "min" && direction != "max"))
    throw Error(ExitCode::usage, "invalid value '" + text + "' for --keep_best: expected split/metric:min|max, " +
                                     "e.g. test/accuracy:max");
  return {text.substr(0, slash), text.substr(slash + 1, colon - slash - 1), direction == "max"};
}

Trainer::Trainer(Model& model, const DataMap& data, torch::optim::Optimizer& optimizer, TrainSettings settings,
                 std::string run_dir)
    : model_(model),
      data_(data),
      train_(data.dataset("train")),
      optimizer_(optimizer),
      settings_(settings),
      run_dir_(std::move(run_dir)),
      metrics_(run_dir_) {}

torch::Tensor Trainer::epoch_order(int64_t samples, int64_t seed, int64_t epoch) {
  // A private generator: drawing the order must not disturb the generator the model uses.
  auto generator = torch::make_generator<at::CPUGeneratorImpl>(uint64_t(seed) * 1000003u + uint64_t(epoch));
  return torch::randperm(samples, generator, torch::kInt64);
}

TrainOutcome Trainer::run(TrainingPosition position) {
  const int64_t samples = train_.size();
  const int64_t batches = (samples + settings_.batch_size - 1) / settings_.batch_size;
  for (; position.epoch < settings_.epochs; ++position.epoch) {
    torch::Tensor order = epoch_order(samples, settings_.seed, position.epoch);
    while (position.batch < batches) {
      int64_t start = position.batch * settings_.batch_size;
      train_step(order.slice(0, start, std::min(samples, start + settings_.batch_size)), position);
      ++position.batch;
      log_progress(position, batches);
      bool requested = take_checkpoint_request();  // SIGUSR1
      bool stop = stop_signal() != 0 || position.step == settings_.stop_after_steps;
      bool scheduled = settings_.checkpoint_every > 0 && position.step % settings_.checkpoint_every == 0;
      // A checkpoint at the epoch's last batch is left to finish_epoch, which writes it after
      // the epoch's metrics.
      if ((stop || scheduled || requested) && position.batch < batches) checkpoint(position);
      if (stop) {
        if (position.batch == batches) finish_epoch(position);
        return TrainOutcome::interrupted;
      }
    }
    finish_epoch(position);
  }
  return TrainOutcome::completed;
}

void Trainer::log_progress(const TrainingPosition& position, int64_t batches) {
  if (++interval_steps_ < settings_.log_every && position.batch != batches) return;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - interval_start_).count();
  spdlog::info("epoch {} step {} ({}/{}){} | {:.1f} steps/s", position.epoch + 1, position.step, position.batch,
               batches, format_metrics(means(position)), interval_steps_ / seconds);
  interval_start_ = std::chrono::steady_clock::now();
  interval_steps_ = 0;
}

void Trainer::train_step(const torch::Tensor& indices, TrainingPosition& position) {
  model_.module().train();
  optimizer_.zero_grad();
  StepOutput out = model_.step({train_.inputs.index_select(0, indices), train_.targets.index_select(0, indices)});
  out.loss.backward();
  optimizer_.step();
  ++position.step;
  ++position.epoch_batches;
  for (const auto& [name, value] : out.metrics) position.epoch_sums[name] += value;
}

void Trainer::finish_epoch(TrainingPosition& position) {
  auto train = means(position);
  metrics_.write(position.step, position.epoch + 1, "train", train);
  track_best(position, "train", train);
  if (data_.has_dataset("test")) {
    auto test = evaluate(model_, data_.dataset("test"), std::max<int64_t>(settings_.batch_size, 256));
    spdlog::info("epoch {} test{}", position.epoch + 1, format_metrics(test));
    metrics_.write(position.step, position.epoch + 1, "test", test);
    track_best(position, "test", test);
  }
  if (settings_.keep_best && position.best_step < 0)
    throw Error(ExitCode::usage, "--keep_best names " + settings_.keep_best->split + "/" + settings_.keep_best->name +
                                     ", which this run does not report at the end of an epoch");
  // The checkpoint describes the start of the next epoch; the loop advances `position` itself.
  TrainingPosition next = position;
  ++next.epoch;
  next.batch = 0;
  next.epoch_sums.clear();
  next.epoch_batches = 0;
  checkpoint(next);
  position.batch = 0;
  position.epoch_sums.clear();
  position.epoch_batches = 0;
}

void Trainer::track_best(TrainingPosition& position, const std::string& split,
                         const std::map<std::string, double>& metrics) {
  if (!settings_.keep_best || settings_.keep_best->split != split) return;
  auto it = metrics.find(settings_.keep_best->name);
  if (it == metrics.end()) return;
  bool better = settings_.keep_best->maximize ? it->second > position.best_value : it->second < position.best_value;
  if (position.best_step >= 0 && !better) return;
  position.best_step = position.step;  // finish_epoch's checkpoint, written next, has this step
  position.best_value = it->second;
  spdlog::info("best {}/{} so far: {} (checkpoint at step {})", split, it->first, it->second, position.step);
}

void Trainer::checkpoint(const TrainingPosition& position) {
  std::string path = checkpoint_path(run_dir_, position.step);
  auto started = std::chrono::steady_clock::now();
  save_checkpoint(path, model_.module(), optimizer_, position);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("checkpoint {} ({:.0f} KiB, {:.1f} ms)", path, boost::filesystem::file_size(path) / 1024.0, ms);
  if (settings_.keep_checkpoints <= 0) return;
  auto steps = list_checkpoints(run_dir_);
  for (size_t i = 0; i + settings_.keep_checkpoints < steps.size(); ++i)
    if (steps[i] != position.best_step) boost::filesystem::remove(checkpoint_path(run_dir_, steps[i]));
}

}  // namespace forge
