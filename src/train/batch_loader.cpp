#include "train/batch_loader.hpp"

#include "core/exception_text.hpp"

#include <forge/error.hpp>

namespace forge {
namespace {

// A stream reads in order: one thread at most, every other setting as given.
LoaderSettings at_most_one_worker(LoaderSettings settings) {
  settings.workers = std::min<int64_t>(settings.workers, 1);
  return settings;
}

}  // namespace

BatchLoader::BatchLoader(const Source& source, std::string split, int64_t epoch, std::vector<torch::Tensor> plan,
                         LoaderSettings settings)
    : BatchLoader(&source, nullptr, std::move(split), epoch, std::move(plan), settings) {}

BatchLoader::BatchLoader(Stream& stream, std::string split, int64_t epoch, std::vector<torch::Tensor> plan,
                         LoaderSettings settings)
    : BatchLoader(nullptr, &stream, std::move(split), epoch, std::move(plan), at_most_one_worker(settings)) {}

BatchLoader::BatchLoader(const Source* source, Stream* stream, std::string split, int64_t epoch,
                         std::vector<torch::Tensor> plan, LoaderSettings settings)
    : source_(source),
      stream_(stream),
      split_(std::move(split)),
      epoch_(epoch),
      plan_(std::move(plan)),
      settings_(settings),
      window_(size_t(std::max<int64_t>(0, settings_.workers) * std::max<int64_t>(1, settings_.prefetch))) {
  if (stream_) {
    for (const auto& positions : plan_)
      if (positions.numel() > 0) {
        stream_position_ = positions[0].item<int64_t>();
        break;
      }
    stream_->seek(epoch_, stream_position_);
  }
  const int64_t workers = std::min<int64_t>(settings_.workers, int64_t(plan_.size()));
  for (int64_t w = 0; w < workers; ++w) workers_.emplace_back([this] { work(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  room_changed_.notify_all();
  for (auto& worker : workers_) worker.join();
}

LoadedBatch BatchLoader::next() {
  if (done()) throw std::logic_error("the loader's plan is used up");
  if (workers_.empty()) return make(delivered_++);
  Result result;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_changed_.wait(lock, [&] { return ready_.count(delivered_) != 0; });
    auto it = ready_.find(delivered_);
    result = std::move(it->second);
    ready_.erase(it);
    ++delivered_;
  }
  room_changed_.notify_all();
  if (result.error) std::rethrow_exception(result.error);
  return std::move(result.loaded);
}

void BatchLoader::work() {
  for (;;) {
    size_t k;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      room_changed_.wait(lock,
                         [&] { return stopping_ || next_job_ >= plan_.size() || next_job_ < delivered_ + window_; });
      if (stopping_ || next_job_ >= plan_.size()) return;
      k = next_job_++;
    }
    Result result;
    try {
      result.loaded = make(k);
    } catch (...) {
      result.error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ready_[k] = std::move(result);
    }
    ready_changed_.notify_all();
  }
}

Example BatchLoader::example(int64_t index) {
  if (source_) {
    SampleContext context(split_, epoch_, index, settings_.seed);
    return source_->get(index, context);
  }
  for (; stream_position_ < index; ++stream_position_) {
    SampleContext context(split_, epoch_, stream_position_, settings_.seed);
    stream_->skip(context);
  }
  SampleContext context(split_, epoch_, index, settings_.seed);
  ++stream_position_;  // past it, whatever next() does
  std::optional<Example> example = stream_->next(context);
  if (!example)
    throw std::runtime_error("the stream ended before its samples_per_epoch() of " +
                             std::to_string(stream_->samples_per_epoch()));
  return std::move(*example);
}

LoadedBatch BatchLoader::make(size_t k) {
  const torch::Tensor indices = plan_[k].contiguous();
  const int64_t* index = indices.data_ptr<int64_t>();
  LoadedBatch loaded;
  std::vector<Example> examples;
  std::vector<int64_t> kept;
  examples.reserve(size_t(indices.numel()));
  for (int64_t i = 0; i < indices.numel(); ++i) {
    try {
      examples.push_back(example(index[i]));
    } catch (const std::exception& e) {
      std::string line = sample_name(index[i]) + ": " + exception_text(e);
      if (!settings_.skip_bad_samples)
        throw Error(ExitCode::data, line + " (leave such samples out with --skip_bad_samples)");
      loaded.skipped.push_back(std::move(line));
      continue;
    }
    examples.back().index = index[i];
    kept.push_back(index[i]);
  }
  if (!examples.empty()) {
    try {
      loaded.batch = source_ ? source_->collate(examples) : stream_->collate(examples);
    } catch (const std::exception& e) {
      throw Error(ExitCode::data, split_ + " batch of samples " + std::to_string(kept.front()) + "..." +
                                      std::to_string(kept.back()) + " does not collate: " + exception_text(e));
    }
  }
  Batch& batch = loaded.batch;
  batch.split = split_;
  batch.epoch = epoch_;
  batch.indices = torch::tensor(kept, torch::kInt64);
  if (settings_.pin_memory) {
    if (batch.inputs.defined()) batch.inputs = batch.inputs.pin_memory();
    if (batch.targets.defined()) batch.targets = batch.targets.pin_memory();
    for (auto& [name, field] : batch.fields) field = field.pin_memory();
  }
  return loaded;
}

std::string BatchLoader::sample_name(int64_t index) const {
  std::string described;
  try {
    described = source_ ? source_->describe(index) : stream_->describe(index);
  } catch (const std::exception&) {
  }
  return split_ + " sample " + std::to_string(index) + (described.empty() ? "" : " (" + described + ")");
}

}  // namespace forge
