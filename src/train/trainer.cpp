#include "train/trainer.hpp"

#include "core/logging.hpp"
#include "train/device.hpp"
#include "train/evaluate.hpp"
#include "train/manual_control.hpp"
#include "train/stop_signals.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <cstring>
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

// Samples in an epoch of `train`. A stream is told first how it will be read, which may change
// how many it has.
int64_t prepared_samples(const Dataset& train, const TrainSettings& settings) {
  if (train.stream)
    train.stream->prepare(
        {"train", settings.batch_size, settings.group ? int(settings.group->rank()) : 0, int(settings.world_size())});
  return train.size();
}

}  // namespace

std::vector<torch::Tensor> plan_epoch(const Dataset& train, const TrainSettings& settings, int64_t epoch) {
  const int64_t batch_size = settings.batch_size * settings.world_size();
  const int64_t samples = prepared_samples(train, settings);
  if (train.stream) return cut_into_batches(torch::arange(samples, torch::kInt64), batch_size, settings.drop_last);
  if (!train.planner)
    return cut_into_batches(Trainer::epoch_order(samples, settings.seed, epoch), batch_size, settings.drop_last);
  std::vector<torch::Tensor> plan;
  try {
    plan = train.planner->plan({"train", epoch + 1, samples, batch_size, settings.seed});
  } catch (const std::exception& e) {
    throw Error(ExitCode::data, "the data plugin's batch plan failed: " + std::string(e.what()));
  }
  const std::string in_plan = "the data plugin's batch plan for epoch " + std::to_string(epoch + 1) + ": ";
  if (plan.empty()) throw Error(ExitCode::data, in_plan + "it gives no batches");
  for (size_t b = 0; b < plan.size(); ++b) {
    torch::Tensor& batch = plan[b];
    if (!batch.defined() || batch.dim() != 1 || batch.size(0) == 0 || batch.is_floating_point())
      throw Error(ExitCode::data, in_plan + "batch " + std::to_string(b) + " is empty or not a list of indices");
    batch = batch.to(torch::kCPU, torch::kInt64).contiguous();
  }
  // One look at every index: a plan of many batches is checked in one pass.
  const torch::Tensor all = torch::cat(plan);
  if (all.min().item<int64_t>() < 0 || all.max().item<int64_t>() >= samples)
    throw Error(ExitCode::data, in_plan + "an index lies outside [0, " + std::to_string(samples) + ")");
  return plan;
}

int64_t batches_per_epoch(const Dataset& train, const TrainSettings& settings) {
  // Only the data's own plan must be made to be counted.
  if (train.planner && !train.stream) return int64_t(plan_epoch(train, settings, 0).size());
  const int64_t samples = prepared_samples(train, settings), batch_size = settings.batch_size * settings.world_size();
  return settings.drop_last ? samples / batch_size : (samples + batch_size - 1) / batch_size;
}

int64_t steps_per_epoch(const Dataset& train, const TrainSettings& settings) {
  const int64_t batches = batches_per_epoch(train, settings);
  return (batches + settings.accumulate - 1) / settings.accumulate;
}

void check_train_settings(const TrainSettings& settings, const DataMap& data, const Model& model) {
  if (model.manual_optimization() && settings.accumulate > 1)
    throw Error(ExitCode::usage, "--accumulate does not apply to a model that steps its optimizers itself " +
                                     std::string("(manual_optimization); drop it, or accumulate inside its step"));
  if (settings.eval_every_steps > 0 && !data.has_dataset("valid"))
    throw Error(ExitCode::usage, "--eval_every_steps evaluates the 'valid' set, which the data has not; add " +
                                     std::string("--valid_fraction (e.g. 0.1) to carve one from train"));
  check_schedule(settings.schedule);
}

Trainer::Trainer(Model& model, const DataMap& data, OptimizerSet& optimizers, TrainSettings settings,
                 TrainerOutputs outputs, CallbackList callbacks)
    : model_(model),
      data_(data),
      train_(data.dataset("train")),
      input_buffer_(train_.in_memory() ? torch::empty({0}, train_.inputs.options()) : torch::Tensor()),
      target_buffer_(train_.in_memory() ? torch::empty({0}, train_.targets.options()) : torch::Tensor()),
      optimizers_(optimizers),
      settings_(std::move(settings)),
      batches_(forge::batches_per_epoch(train_, settings_)),
      outputs_(std::move(outputs)),
      callbacks_(std::move(callbacks)),
      collectives_(settings_.group ? group_collectives(*settings_.group, settings_.device) : nullptr) {}

torch::Tensor Trainer::epoch_order(int64_t samples, int64_t seed, int64_t epoch) {
  // A private generator: drawing the order must not disturb the generator the model uses.
  auto generator = torch::make_generator<at::CPUGeneratorImpl>(uint64_t(seed) * 1000003u + uint64_t(epoch));
  return torch::randperm(samples, generator, torch::kInt64);
}

TrainResult Trainer::run(TrainingStart start) {
  TrainingPosition& position = start.position;
  current_ = &position;
  if (start.resumed) {
    model_.load_extra(start.model_extra);
    callbacks_.restore(start.callbacks);
  }
  if (evaluated_test_at_epoch_end(position)) last_test_step_ = position.step;
  const int64_t max_steps = settings_.max_steps;
  if (position.step > 0) checkpointed_step_ = position.step;  // resumed from it
  callbacks_.each([&](Callback& c) { c.on_fit_start(*this); });
  if (!stop_reason_.empty()) return finish(position, stop_reason_);  // early stopping had ended it
  if (stops_after_epoch(position)) return {TrainOutcome::interrupted, "--stop_after_epochs", 0};  // resumed there
  int64_t planned_epoch = -1;
  while (max_steps > 0 ? position.step < max_steps : position.epoch < settings_.epochs) {
    if (planned_epoch != position.epoch) {
      begin_epoch(position);
      planned_epoch = position.epoch;
    }
    std::map<std::string, double> step_metrics;
    try {
      step_metrics = train_step(position);
    } catch (const LoadingInterrupted& stopped) {
      // A signal while a batch was late (a stuck read): nothing of the step was taken, so the
      // run stops at the step boundary it stands on, as it would after a step.
      spdlog::warn("{} while waiting for a training batch: checkpointing step {} and stopping",
                   strsignal(stopped.signal()), position.step);
      if (position.step != checkpointed_step_) checkpoint(position);
      if (outputs_.checkpointer) outputs_.checkpointer->wait();
      return {TrainOutcome::interrupted, "", stopped.signal()};
    }
    callbacks_.each([&](Callback& c) { c.on_train_step_end(*this, step_metrics); });
    log_progress(position);
    if (std::optional<TrainResult> ended = after_step(position)) return *ended;
  }
  return finish(position, max_steps > 0 ? "reached --max_steps " + std::to_string(max_steps)
                                        : "trained " + std::to_string(settings_.epochs) + " epochs");
}

bool Trainer::stops_after_epoch(const TrainingPosition& position) const {
  const int64_t at = settings_.stop_after_epochs;
  return at > 0 && settings_.max_steps == 0 && position.batch == 0 && position.epoch >= at &&
         position.epoch < settings_.epochs;
}

void Trainer::begin_epoch(const TrainingPosition& position) {
  plan_ = plan_epoch(train_, settings_, position.epoch);
  if (int64_t(plan_.size()) != batches_)
    throw Error(ExitCode::data, "the data plugin's batch plan gives epoch " + std::to_string(position.epoch + 1) + " " +
                                    std::to_string(plan_.size()) + " batches and the first " +
                                    std::to_string(batches_) + ": every epoch must have as many");
  epoch_started_ = std::chrono::steady_clock::now();
  epoch_first_step_ = position.step;
  if (!train_.in_memory()) start_loader(position);
  in_epoch_ = true;
  callbacks_.each([&](Callback& c) { c.on_epoch_start(*this, "train"); });
}

std::optional<TrainResult> Trainer::after_step(TrainingPosition& position) {
  // A checkpoint that failed in the background ends the run here, a step after it failed.
  if (outputs_.checkpointer && outputs_.checkpointer->failed()) outputs_.checkpointer->wait();
  const int64_t step = position.step, max_steps = settings_.max_steps;
  const bool requested = checkpoint_requested_;  // SIGUSR1
  if (requested) spdlog::info("SIGUSR1: checkpoint at step {}", step);
  const bool stop = stop_requested_ != 0 || step == settings_.stop_after_steps;
  const bool scheduled = settings_.checkpoint_every > 0 && step % settings_.checkpoint_every == 0;
  const bool evaluation_due = settings_.eval_every_steps > 0 && step % settings_.eval_every_steps == 0;
  const bool at_max = max_steps > 0 && step >= max_steps;
  const bool epoch_ended = position.batch == batches_;
  if (epoch_ended) {
    end_epoch(position);  // evaluates, moves to the next epoch and checkpoints
  } else if (evaluation_due || at_max) {
    if (data_.has_dataset("valid")) evaluate_split("valid", position);
    checkpoint(position);
  } else if (stop || scheduled || requested) {
    checkpoint(position);
  }
  if (!stop_reason_.empty()) {
    if (position.step != checkpointed_step_) checkpoint(position);  // a callback stopped it between checkpoints
    return finish(position, stop_reason_);
  }
  if (stop && !at_max) {
    if (outputs_.checkpointer) outputs_.checkpointer->wait();  // the checkpoint just begun
    return TrainResult{TrainOutcome::interrupted, "", stop_requested_};
  }
  if (epoch_ended && stops_after_epoch(position)) {
    if (outputs_.checkpointer) outputs_.checkpointer->wait();
    return TrainResult{TrainOutcome::interrupted, "--stop_after_epochs", 0};
  }
  return std::nullopt;
}

Trainer::Share Trainer::share_of(int64_t b) const {
  // Each rank takes its part of the global batch, a short one split evenly.
  const int64_t world = settings_.world_size(), rank = settings_.group ? settings_.group->rank() : 0;
  const int64_t total = plan_[size_t(b)].size(0);
  return {total * rank / world, total * (rank + 1) / world, total};
}

torch::Tensor Trainer::share_indices(int64_t b) const {
  const Share share = share_of(b);
  return plan_[size_t(b)].slice(0, share.from, share.to);
}

void Trainer::start_loader(const TrainingPosition& position) {
  loader_.reset();  // its workers stop before the next loader's start
  std::vector<torch::Tensor> plan;
  for (int64_t b = position.batch; b < batches_; ++b) plan.push_back(share_indices(b));
  const int64_t epoch = position.epoch + 1;
  LoaderSettings loading = settings_.loading;
  // A wait for a late batch answers SIGINT/SIGTERM; data-parallel, ranks agree on stopping at
  // the step's exchange instead (a rank that stopped alone would leave the others waiting).
  if (!settings_.group) loading.stop_signal = stop_signal;
  if (train_.stream)
    loader_ = std::make_unique<BatchLoader>(*train_.stream, "train", epoch, std::move(plan), loading);
  else
    loader_ = std::make_unique<BatchLoader>(*train_.source, "train", epoch, std::move(plan), loading);
}

std::vector<LoadedBatch> Trainer::load_step(int64_t count, TrainingPosition& position) {
  std::vector<LoadedBatch> loaded;
  try {
    for (int64_t i = 0; i < count; ++i) loaded.push_back(loader_->next());
  } catch (const Error& e) {
    if (e.code() == ExitCode::data && position.step != checkpointed_step_) {
      spdlog::warn("{}; checkpointing step {} before stopping", e.what(), position.step);
      checkpoint(position);
      if (outputs_.checkpointer) outputs_.checkpointer->wait();
    }
    throw;
  }
  for (const auto& batch : loaded)
    for (const auto& line : batch.skipped) {
      spdlog::warn("skipped {}", line);
      ++position.bad_samples;
    }
  return loaded;
}

std::map<std::string, double> Trainer::train_step(TrainingPosition& position) {
  const int64_t first = position.batch, last = std::min(batches_, first + settings_.accumulate);
  const int64_t world = settings_.world_size();
  const bool manual = model_.manual_optimization();
  std::vector<LoadedBatch> loaded;
  if (loader_) loaded = load_step(last - first, position);
  model_.train_mode();
  // Every optimizer at its scheduled rate for this step (a manual step's, for when it steps).
  for (auto& optimizer : optimizers_.all()) {
    optimizer.apply_rate();
    if (!manual) optimizer.optimizer->zero_grad();
  }
  // Alone: the batches' metrics; data-parallel: this rank's share of them, summed over ranks below.
  std::map<std::string, double> step_sums;
  for (int64_t b = first; b < last; ++b) {
    const auto [from, to, total] = share_of(b);
    ++position.epoch_batches;
    ++position.log_batches;
    // A manual step's exchanges need every rank: a last batch too short to share is skipped.
    if (manual && total < world) continue;
    Batch batch =
        loader_ ? to_device(std::move(loaded[size_t(b - first)].batch), settings_.device) : gather_batch(b, position);
    // Nothing for this rank (a short last batch, bad samples left out): its gradient counts as zero.
    if (batch.size() == 0) continue;
    batch.step = position.step + 1;
    // Gradients add up over the batches of one step: scale so the step follows their mean loss
    // (and, over ranks, so that their average is the global batch's mean).
    const double share = double(to - from) * double(world) / double(total) / double(last - first);
    StepOutput out = train_batch(batch, share, position);
    const double weight = settings_.group ? double(to - from) / double(total) : 1.0;
    for (const auto& [name, value] : out.metrics) step_sums[name] += value * weight;
  }
  if (settings_.group) {
    synchronise_step(step_sums);
  } else {
    stop_requested_ = stop_signal();
    checkpoint_requested_ = take_checkpoint_request();
  }
  for (const auto& [name, value] : step_sums) {
    position.epoch_sums[name] += value;
    position.log_sums[name] += value;
  }
  step_optimizers(position);
  ++position.step;
  position.batch = last;
  for (auto& [name, sum] : step_sums) sum /= double(last - first);
  return step_sums;
}

void Trainer::step_optimizers(TrainingPosition& position) {
  const bool scaled = settings_.precision == Precision::fp16;
  if (model_.manual_optimization()) {  // it stepped them itself
    if (scaled) update_loss_scale(position.loss_scale, !overflowed_);
    return;
  }
  // fp16: the gradients of the scaled loss back to scale; an overflow skips the step.
  const bool finite = !scaled || unscale_gradients(optimizers_.parameters(), position.loss_scale);
  if (finite && settings_.clip_grad_norm > 0)
    torch::nn::utils::clip_grad_norm_(optimizers_.parameters(), settings_.clip_grad_norm);
  for (auto& optimizer : optimizers_.all()) {
    if (finite) optimizer.optimizer->step();
    ++optimizer.steps;
  }
  if (scaled) update_loss_scale(position.loss_scale, finite);
}

StepOutput Trainer::train_batch(const Batch& batch, double share, TrainingPosition& position) {
  // The step may exchange with the other ranks; evaluation, where shards may differ in batches,
  // may not: the model sees the group during its training steps only.
  struct StepCollectives {
    Model& model;
    ~StepCollectives() { model.set_collectives(nullptr); }
  } step_collectives{model_};
  if (collectives_) model_.set_collectives(collectives_);
  const bool scaled = settings_.precision == Precision::fp16;
  if (scaled) share *= position.loss_scale.scale;
  if (!model_.manual_optimization()) {
    StepOutput out;
    {
      AutocastScope autocast(settings_.precision, settings_.device);  // forward and loss; backward follows their types
      out = model_.step(batch);
    }
    (share == 1 ? out.loss : out.loss * share).backward();
    return out;
  }
  overflowed_ = false;
  ManualControl control(
      optimizers_, settings_.group.get(), settings_.clip_grad_norm, share,
      [](ScheduledOptimizer& optimizer) { optimizer.apply_rate(); }, scaled ? &position.loss_scale : nullptr,
      overflowed_);
  AutocastScope autocast(settings_.precision, settings_.device);
  return model_.manual_step(batch, control);
}

void Trainer::synchronise_step(std::map<std::string, double>& metric_shares) {
  if (metric_names_.empty())
    for (const auto& [name, value] : metric_shares) metric_names_.push_back(name);
  // With the gradients: [stop signal, checkpoint request, metric shares...], summed. A manual
  // step has averaged its gradients already, optimizer by optimizer.
  const int local_stop = stop_signal();
  std::vector<double> values{double(local_stop), take_checkpoint_request() ? 1.0 : 0.0};
  for (const auto& name : metric_names_) values.push_back(metric_shares.count(name) ? metric_shares.at(name) : 0.0);
  const std::vector<torch::Tensor> gradients =
      model_.manual_optimization() ? std::vector<torch::Tensor>{} : optimizers_.parameters();
  const std::vector<double> summed = average_gradients(*settings_.group, gradients, values);
  // A stop asked of any rank stops them all; this rank reports its own signal, else SIGTERM's.
  stop_requested_ = summed[0] > 0 ? (local_stop ? local_stop : SIGTERM) : 0;
  checkpoint_requested_ = summed[1] > 0;
  metric_shares.clear();
  for (size_t i = 0; i < metric_names_.size(); ++i) metric_shares[metric_names_[i]] = summed[2 + i];
}

void Trainer::write_metrics(int64_t step, int64_t epoch, const std::string& split,
                            const std::map<std::string, double>& metrics) {
  for (const auto& sink : outputs_.sinks) sink->write(step, epoch, split, metrics);
}

Batch Trainer::gather_batch(int64_t b, const TrainingPosition& position) {
  Batch batch;
  const torch::Tensor indices = share_indices(b);
  if (indices.size(0) == 0) return batch;
  batch.indices = indices;
  batch.split = "train";
  batch.epoch = position.epoch + 1;
  if (!settings_.device.is_cpu()) {
    batch.inputs = to_device(train_.inputs.index_select(0, indices), settings_.device);
    batch.targets = to_device(train_.targets.index_select(0, indices), settings_.device);
    return batch;
  }
  // The same two buffers every step: the previous batch's graph is gone by now. Each is sized
  // first: index_select_out warns when it must resize a non-empty output (a short last batch).
  auto select_into = [&](torch::Tensor& buffer, const torch::Tensor& source) {
    std::vector<int64_t> shape = source.sizes().vec();
    shape[0] = indices.size(0);
    buffer.resize_(shape);
    torch::index_select_out(buffer, source, 0, indices);
  };
  select_into(input_buffer_, train_.inputs);
  select_into(target_buffer_, train_.targets);
  batch.inputs = input_buffer_;
  batch.targets = target_buffer_;
  return batch;
}

void Trainer::log_progress(TrainingPosition& position) {
  ++interval_steps_;
  // At steps that are multiples of --log_every, not every N steps of this process: a resumed
  // run writes the rows an uninterrupted one would.
  const bool epoch_end = position.batch == batches_;
  if (position.step % settings_.log_every != 0 && !epoch_end) return;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - interval_start_).count();
  double steps_per_second = interval_steps_ / std::max(seconds, 1e-9);
  // The means over the steps since the previous row: the train curves. (The epoch's means go
  // to train_epoch at its end.) Their sums are checkpointed, so a resumed run writes the same.
  std::map<std::string, double> interval;
  for (const auto& [name, sum] : position.log_sums)
    interval[name] = sum / double(std::max<int64_t>(1, position.log_batches));
  position.log_sums.clear();
  position.log_batches = 0;
  // With a progress bar on screen, the line goes to log.txt only.
  (settings_.log_to_file_only ? file_log() : *spdlog::default_logger())
      .info("epoch {} step {} ({}/{}){} lr {:.4g} | {:.1f} steps/s", position.epoch + 1, position.step, position.batch,
            batches_, format_metrics(interval),
            optimizers_.all().front().optimizer->param_groups().front().options().get_lr(), steps_per_second);
  interval["steps_per_second"] = steps_per_second;
  if (settings_.precision == Precision::fp16) {
    interval["loss_scale"] = position.loss_scale.scale;
    interval["skipped_steps"] = double(position.loss_scale.skipped);
  }
  if (settings_.loading.skip_bad_samples) interval["bad_samples"] = double(position.bad_samples);
  write_metrics(position.step, position.epoch + 1, "train", interval);
  interval_start_ = std::chrono::steady_clock::now();
  interval_steps_ = 0;
}

void Trainer::end_epoch(TrainingPosition& position) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_started_).count();
  spdlog::info("epoch {} trained in {:.3f} s ({} steps)", position.epoch + 1, seconds,
               position.step - epoch_first_step_);
  auto train = means(position);
  write_metrics(position.step, position.epoch + 1, "train_epoch", train);
  callbacks_.each([&](Callback& c) { c.on_epoch_end(*this, "train", train); });
  if (data_.has_dataset("valid")) evaluate_split("valid", position);
  if (settings_.eval_test_every > 0 && (position.epoch + 1) % settings_.eval_test_every == 0 &&
      data_.has_dataset("test"))
    evaluate_split("test", position);
  draw_epoch_images(position.epoch + 1);
  // The checkpoint describes the start of the next epoch.
  in_epoch_ = false;
  ++position.epoch;
  position.batch = 0;
  position.epoch_sums.clear();
  position.epoch_batches = 0;
  checkpoint(position);
}

void Trainer::draw_epoch_images(int64_t epoch) {
  if (!outputs_.images) return;
  at::Generator cpu = at::detail::getDefaultCPUGenerator();
  const torch::Tensor cpu_state = cpu.get_state();
  std::optional<at::Generator> device;
  torch::Tensor device_state;
  if (settings_.device.is_cuda()) {
    device = at::globalContext().defaultGenerator(settings_.device);
    device_state = device->get_state();
  }
  std::map<std::string, torch::Tensor> images;
  {
    torch::NoGradGuard no_grad;
    model_.module().eval();
    images = model_.epoch_images();
  }
  cpu.set_state(cpu_state);
  if (device) device->set_state(device_state);
  for (const auto& [name, image] : images) outputs_.images->write(epoch, name, image);
}

void Trainer::evaluate_split(const std::string& split, const TrainingPosition& position) {
  callbacks_.each([&](Callback& c) { c.on_epoch_start(*this, split); });
  Evaluation evaluation = evaluate(model_, data_.dataset(split), split, settings_.eval_batch_size, settings_.device,
                                   settings_.group.get(), settings_.loading);
  const auto& metrics = evaluation.metrics;
  if (outputs_.tables) outputs_.tables->write(split, position.step, evaluation.tables);
  spdlog::info("epoch {} step {} {}{}", epoch(), position.step, split, format_metrics(metrics));
  write_metrics(position.step, epoch(), split, metrics);
  if (split == "test") last_test_step_ = position.step;
  callbacks_.each([&](Callback& c) { c.on_epoch_end(*this, split, metrics); });
}

TrainResult Trainer::finish(const TrainingPosition& position, const std::string& reason) {
  // The last checkpoint is on disk before the final evaluation is reported: the run's record
  // must never say "evaluated" about a step no checkpoint holds.
  if (outputs_.checkpointer) outputs_.checkpointer->wait();
  finishing_ = true;
  // The final test evaluation only reports: the checkpoint it describes is already written.
  if (data_.has_dataset("test") && last_test_step_ != position.step && settings_.evaluated_step != position.step)
    evaluate_split("test", position);
  callbacks_.each([&](Callback& c) { c.on_fit_end(*this); });
  return {TrainOutcome::completed, reason, 0, position.step};
}

bool Trainer::evaluated_test_at_epoch_end(const TrainingPosition& position) const {
  const int64_t every = settings_.eval_test_every;
  return every > 0 && position.batch == 0 && position.epoch > 0 && position.epoch % every == 0 &&
         data_.has_dataset("test");
}

void Trainer::checkpoint(const TrainingPosition& position) {
  callbacks_.each([&](Callback& c) { c.before_checkpoint(*this); });
  checkpointed_step_ = position.step;
  if (!outputs_.checkpointer) return;
  for (const auto& sink : outputs_.sinks) sink->flush();  // the rows the checkpoint stands for
  CheckpointSubject subject(model_.module(), optimizers_, model_.save_extra());
  subject.callbacks = callbacks_.states();
  outputs_.checkpointer->save(subject, position, kept_step_);
}

int64_t Trainer::epoch() const {
  // Between epochs the position has already moved on to the next one: the latest step's is meant.
  return in_epoch_ || current_->batch > 0 ? current_->epoch + 1 : std::max<int64_t>(1, current_->epoch);
}

std::vector<std::pair<std::string, torch::optim::Optimizer*>> Trainer::optimizers() {
  std::vector<std::pair<std::string, torch::optim::Optimizer*>> out;
  for (auto& optimizer : optimizers_.all()) out.emplace_back(optimizer.name, optimizer.optimizer.get());
  return out;
}

std::map<std::string, double> Trainer::epoch_means() const { return means(*current_); }

void Trainer::log(const std::string& split, const std::map<std::string, double>& metrics) {
  write_metrics(current_->step, epoch(), split, metrics);
}

void Trainer::stop(const std::string& reason) {
  if (stop_reason_.empty()) stop_reason_ = reason;
}

}  // namespace forge
