#include "train/batch_loader.hpp"

#include "core/exception_text.hpp"

#include <forge/error.hpp>

namespace forge {

BatchLoader::BatchLoader(const Source& source, std::string split, int64_t epoch, std::vector<torch::Tensor> plan,
                         LoaderSettings settings)
    : source_(source),
      split_(std::move(split)),
      epoch_(epoch),
      plan_(std::move(plan)),
      settings_(settings),
      window_(size_t(std::max<int64_t>(0, settings_.workers) * std::max<int64_t>(1, settings_.prefetch))) {
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
      room_changed_.wait(lock, [&] { return stopping_ || next_job_ >= plan_.size() || next_job_ < delivered_ + window_; });
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

LoadedBatch BatchLoader::make(size_t k) const {
  const torch::Tensor indices = plan_[k].contiguous();
  const int64_t* index = indices.data_ptr<int64_t>();
  LoadedBatch loaded;
  std::vector<Example> examples;
  std::vector<int64_t> kept;
  examples.reserve(size_t(indices.numel()));
  for (int64_t i = 0; i < indices.numel(); ++i) {
    SampleContext context(split_, epoch_, index[i], settings_.seed);
    try {
      examples.push_back(source_.get(index[i], context));
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
      loaded.batch = source_.collate(examples);
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
    described = source_.describe(index);
  } catch (const std::exception&) {
  }
  return split_ + " sample " + std::to_string(index) + (described.empty() ? "" : " (" + described + ")");
}

}  // namespace forge
