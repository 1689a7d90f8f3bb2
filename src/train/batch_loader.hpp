// The loader of a split whose samples come from a Source (forge/source.hpp): --workers threads
// make the planned batches — each sample got with its own SampleContext, then collated — up to
// --prefetch batches each ahead of the one training takes, and hand them over in plan order.
// A Stream (forge/stream.hpp) is read in order by one such thread, skipping the positions the
// plan leaves out (other processes' shares).
// What a batch holds is a function of the plan, the split, the epoch and the seed alone, so
// any number of workers (0: the calling thread makes each batch when asked) gives the same
// batches, and memory holds at most workers x prefetch batches, whatever the split's size.
// While the caller waits for a batch it still answers a stop signal, and a sample that a worker
// has been making for longer than the sample timeout (a file on a stalled network file system,
// a FIFO) is named in an error rather than waited on for ever. Such a stuck worker is left
// behind when the loader goes (it cannot be interrupted), holding only its own share of state.
#pragma once

#include <forge/data.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace forge {

struct LoaderSettings {
  int64_t workers = 0;            // threads making batches; 0: the caller's
  int64_t prefetch = 2;           // batches each worker may have ready ahead
  bool skip_bad_samples = false;  // leave a sample whose get throws out (and say so) rather than fail
  int64_t seed = 0;               // the run's seed, for each sample's generator
  bool pin_memory = false;        // batches in page-locked memory, for non-blocking copies to a GPU
  double sample_timeout = 600;    // seconds a worker may take over one sample before the run stops naming it
  // The signal that asks training to stop, or 0 (train/stop_signals.hpp's stop_signal); not set:
  // a wait for a batch is not interrupted.
  std::function<int()> stop_signal;
};

// What next() throws when the stop signal came while it waited for a batch: no batch of the
// step was taken, so the caller stands at a step boundary.
class LoadingInterrupted : public std::runtime_error {
 public:
  explicit LoadingInterrupted(int signal) : std::runtime_error("stopped while waiting for a batch"), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

// One batch: what the model steps on, and a line for each bad sample left out of it.
struct LoadedBatch {
  Batch batch;
  std::vector<std::string> skipped;
};

class BatchLoader {
 public:
  // `plan`: each batch's sample indices (int64, possibly empty), in the order they are wanted.
  BatchLoader(const Source& source, std::string split, int64_t epoch, std::vector<torch::Tensor> plan,
              LoaderSettings settings);
  // `plan`: each batch's positions in the stream, ascending from batch to batch.
  BatchLoader(Stream& stream, std::string split, int64_t epoch, std::vector<torch::Tensor> plan,
              LoaderSettings settings);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The plan's next batch. Throws Error(ExitCode::data) naming the sample (index and what the
  // source calls it) whose get threw or has taken longer than the sample timeout, or the samples
  // that would not collate; LoadingInterrupted when the stop signal came while it waited.
  LoadedBatch next();
  bool done() const;

 private:
  struct State;  // what the workers share with the loader, and keep alive if they outlive it
  BatchLoader(const Source* source, Stream* stream, std::string split, int64_t epoch, std::vector<torch::Tensor> plan,
              LoaderSettings settings);
  // The line naming a sample a worker has been making for longer than the timeout; "" if none.
  std::string stuck_sample() const;

  std::shared_ptr<State> state_;
  std::vector<std::thread> workers_;
  bool abandoned_ = false;  // next() gave up waiting: workers that are stuck are left behind
};

}  // namespace forge
