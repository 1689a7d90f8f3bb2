#include "train/batch_loader.hpp"

#include "core/exception_text.hpp"

#include <forge/error.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <optional>

namespace forge {
namespace {

// A stream reads in order: one thread at most, every other setting as given.
LoaderSettings at_most_one_worker(LoaderSettings settings) {
  settings.workers = std::min<int64_t>(settings.workers, 1);
  return settings;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// How often a wait for a batch looks at the stop signal and the workers' samples.
constexpr auto wait_slice = std::chrono::milliseconds(100);

}  // namespace

struct BatchLoader::State {
  struct Result {
    LoadedBatch loaded;
    std::exception_ptr error;
  };
  // The sample a worker is making (-1: none) and since when: what a stuck worker is stuck on.
  struct InProgress {
    std::atomic<int64_t> sample{-1};
    std::atomic<int64_t> started{0};
  };

  State(const Source* source, Stream* stream, std::string split, int64_t epoch, std::vector<torch::Tensor> plan,
        LoaderSettings settings)
      : source(source),
        stream(stream),
        split(std::move(split)),
        epoch(epoch),
        plan(std::move(plan)),
        settings(std::move(settings)),
        window(size_t(std::max<int64_t>(0, this->settings.workers) * std::max<int64_t>(1, this->settings.prefetch))),
        in_progress(size_t(std::max<int64_t>(0, this->settings.workers))) {}

  LoadedBatch make(size_t k, size_t worker);
  // Sample `index`: got from the source, or read from the stream after skipping to it.
  Example example(int64_t index);
  void work(size_t worker);
  std::string sample_name(int64_t index) const;

  const Source* source;  // one of the two
  Stream* stream;
  int64_t stream_position = 0;  // the position the stream's next read gives
  const std::string split;
  const int64_t epoch;
  const std::vector<torch::Tensor> plan;
  const LoaderSettings settings;
  const size_t window;                  // how far ahead of the batch handed over the workers may go, together
  std::vector<InProgress> in_progress;  // one per worker

  std::mutex mutex;
  std::condition_variable ready_changed, room_changed;
  std::map<size_t, Result> ready;  // made, not yet delivered
  size_t next_job = 0;             // the first batch no worker has taken
  size_t delivered = 0;            // batches handed over so far
  bool stopping = false;
};

BatchLoader::BatchLoader(const Source& source, std::string split, int64_t epoch, std::vector<torch::Tensor> plan,
                         LoaderSettings settings)
    : BatchLoader(&source, nullptr, std::move(split), epoch, std::move(plan), settings) {}

BatchLoader::BatchLoader(Stream& stream, std::string split, int64_t epoch, std::vector<torch::Tensor> plan,
                         LoaderSettings settings)
    : BatchLoader(nullptr, &stream, std::move(split), epoch, std::move(plan), at_most_one_worker(settings)) {}

BatchLoader::BatchLoader(const Source* source, Stream* stream, std::string split, int64_t epoch,
                         std::vector<torch::Tensor> plan, LoaderSettings settings)
    : state_(std::make_shared<State>(source, stream, std::move(split), epoch, std::move(plan), std::move(settings))) {
  State& state = *state_;
  if (state.stream) {
    for (const auto& positions : state.plan)
      if (positions.numel() > 0) {
        state.stream_position = positions[0].item<int64_t>();
        break;
      }
    state.stream->seek(state.epoch, state.stream_position);
  }
  const int64_t workers = std::min<int64_t>(state.settings.workers, int64_t(state.plan.size()));
  // Each worker holds the state too: one left behind stuck in a read keeps what it touches alive.
  for (int64_t w = 0; w < workers; ++w) workers_.emplace_back([shared = state_, w] { shared->work(size_t(w)); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stopping = true;
  }
  state_->room_changed.notify_all();
  for (auto& worker : workers_) {
    if (abandoned_)
      worker.detach();  // it may never come back from its read; it stops at its next look at `stopping`
    else
      worker.join();
  }
}

bool BatchLoader::done() const { return state_->delivered >= state_->plan.size(); }

std::string BatchLoader::stuck_sample() const {
  const double seconds = std::min(state_->settings.sample_timeout, 1e9);  // beyond: never
  const int64_t limit_ns = int64_t(seconds * 1e9), now = now_ns();
  for (const auto& worker : state_->in_progress) {
    const int64_t sample = worker.sample.load();
    if (sample >= 0 && now - worker.started.load() > limit_ns)
      return state_->sample_name(sample) + ": still not loaded after --sample_timeout " +
             std::to_string(int64_t(seconds)) + " s (a stalled file system, or a file that blocks on open)";
  }
  return "";
}

LoadedBatch BatchLoader::next() {
  State& state = *state_;
  if (done()) throw std::logic_error("the loader's plan is used up");
  if (workers_.empty()) return state.make(state.delivered++, size_t(-1));
  State::Result result;
  {
    std::unique_lock<std::mutex> lock(state.mutex);
    while (!state.ready_changed.wait_for(lock, wait_slice, [&] { return state.ready.count(state.delivered) != 0; })) {
      const int signal = state.settings.stop_signal ? state.settings.stop_signal() : 0;
      const std::string stuck = signal ? "" : stuck_sample();
      if (!signal && stuck.empty()) continue;
      abandoned_ = true;  // a worker may be stuck for good: the destructor must not wait for it
      if (signal) throw LoadingInterrupted(signal);
      throw Error(ExitCode::data, stuck);
    }
    auto it = state.ready.find(state.delivered);
    result = std::move(it->second);
    state.ready.erase(it);
    ++state.delivered;
  }
  state.room_changed.notify_all();
  if (result.error) std::rethrow_exception(result.error);
  return std::move(result.loaded);
}

void BatchLoader::State::work(size_t worker) {
  for (;;) {
    size_t k;
    {
      std::unique_lock<std::mutex> lock(mutex);
      room_changed.wait(lock, [&] { return stopping || next_job >= plan.size() || next_job < delivered + window; });
      if (stopping || next_job >= plan.size()) return;
      k = next_job++;
    }
    Result result;
    try {
      result.loaded = make(k, worker);
    } catch (...) {
      result.error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      ready[k] = std::move(result);
    }
    ready_changed.notify_all();
  }
}

Example BatchLoader::State::example(int64_t index) {
  if (source) {
    SampleContext context(split, epoch, index, settings.seed);
    return source->get(index, context);
  }
  for (; stream_position < index; ++stream_position) {
    SampleContext context(split, epoch, stream_position, settings.seed);
    stream->skip(context);
  }
  SampleContext context(split, epoch, index, settings.seed);
  ++stream_position;  // past it, whatever next() does
  std::optional<Example> example = stream->next(context);
  if (!example)
    throw std::runtime_error("the stream ended before its samples_per_epoch() of " +
                             std::to_string(stream->samples_per_epoch()));
  return std::move(*example);
}

LoadedBatch BatchLoader::State::make(size_t k, size_t worker) {
  const torch::Tensor indices = plan[k].contiguous();
  const int64_t* index = indices.data_ptr<int64_t>();
  LoadedBatch loaded;
  std::vector<Example> examples;
  std::vector<int64_t> kept;
  examples.reserve(size_t(indices.numel()));
  for (int64_t i = 0; i < indices.numel(); ++i) {
    if (worker < in_progress.size()) {
      in_progress[worker].started.store(now_ns());
      in_progress[worker].sample.store(index[i]);
    }
    std::optional<Example> got;
    std::string failure;
    try {
      got = example(index[i]);
    } catch (const std::exception& e) {
      failure = sample_name(index[i]) + ": " + exception_text(e);
    }
    if (worker < in_progress.size()) in_progress[worker].sample.store(-1);
    if (!got) {
      if (!settings.skip_bad_samples)
        throw Error(ExitCode::data, failure + " (leave such samples out with --skip_bad_samples)");
      loaded.skipped.push_back(std::move(failure));
      continue;
    }
    examples.push_back(std::move(*got));
    examples.back().index = index[i];
    kept.push_back(index[i]);
  }
  if (!examples.empty()) {
    try {
      loaded.batch = source ? source->collate(examples) : stream->collate(examples);
    } catch (const std::exception& e) {
      throw Error(ExitCode::data, split + " batch of samples " + std::to_string(kept.front()) + "..." +
                                      std::to_string(kept.back()) + " does not collate: " + exception_text(e));
    }
  }
  Batch& batch = loaded.batch;
  batch.split = split;
  batch.epoch = epoch;
  batch.indices = torch::tensor(kept, torch::kInt64);
  if (settings.pin_memory) {
    if (batch.inputs.defined()) batch.inputs = batch.inputs.pin_memory();
    if (batch.targets.defined()) batch.targets = batch.targets.pin_memory();
    for (auto& [name, field] : batch.fields) field = field.pin_memory();
  }
  return loaded;
}

std::string BatchLoader::State::sample_name(int64_t index) const {
  std::string described;
  try {
    described = source ? source->describe(index) : stream->describe(index);
  } catch (const std::exception&) {
  }
  return split + " sample " + std::to_string(index) + (described.empty() ? "" : " (" + described + ")");
}

}  // namespace forge
