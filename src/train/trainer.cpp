#include "train/trainer.hpp"

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
      bool stop = stop_signal() != 0 || position.step == settings_.stop_after_steps;
      bool scheduled = settings_.checkpoint_every > 0 && position.step % settings_.checkpoint_every == 0;
      // A checkpoint at the epoch's last batch is left to finish_epoch, which writes it after
      // the epoch's metrics.
      if ((stop || scheduled || take_checkpoint_request()) && position.batch < batches) checkpoint(position);
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
  metrics_.write(position.step, position.epoch + 1, "train", means(position));
  if (data_.has_dataset("test")) {
    auto test = evaluate(model_, data_.dataset("test"), std::max<int64_t>(settings_.batch_size, 256));
    spdlog::info("epoch {} test{}", position.epoch + 1, format_metrics(test));
    metrics_.write(position.step, position.epoch + 1, "test", test);
  }
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

void Trainer::checkpoint(const TrainingPosition& position) {
  std::string path = checkpoint_path(run_dir_, position.step);
  auto started = std::chrono::steady_clock::now();
  save_checkpoint(path, model_.module(), optimizer_, position);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("checkpoint {} ({:.0f} KiB, {:.1f} ms)", path, boost::filesystem::file_size(path) / 1024.0, ms);
  if (settings_.keep_checkpoints <= 0) return;
  auto steps = list_checkpoints(run_dir_);
  for (size_t i = 0; i + settings_.keep_checkpoints < steps.size(); ++i)
    boost::filesystem::remove(checkpoint_path(run_dir_, steps[i]));
}

}  // namespace forge
