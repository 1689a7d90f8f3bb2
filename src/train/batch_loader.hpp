// The loader of a split whose samples come from a Source (forge/source.hpp): --workers threads
// make the planned batches — each sample got with its own SampleContext, then collated — up to
// --prefetch batches each ahead of the one training takes, and hand them over in plan order.
// A Stream (forge/stream.hpp) is read in order by one such thread, skipping the positions the
// plan leaves out (other processes' shares).
// What a batch holds is a function of the plan, the split, the epoch and the seed alone, so
// any number of workers (0: the calling thread makes each batch when asked) gives the same
// batches, and memory holds at most workers x prefetch batches, whatever the split's size.
#pragma once

#include <forge/data.hpp>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
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
  // source calls it) whose get threw, or the samples that would not collate.
  LoadedBatch next();
  bool done() const { return delivered_ >= plan_.size(); }

 private:
  struct Result {
    LoadedBatch loaded;
    std::exception_ptr error;
  };
  BatchLoader(const Source* source, Stream* stream, std::string split, int64_t epoch, std::vector<torch::Tensor> plan,
              LoaderSettings settings);
  LoadedBatch make(size_t k);
  // Sample `index`: got from the source, or read from the stream after skipping to it.
  Example example(int64_t index);
  void work();
  std::string sample_name(int64_t index) const;

  const Source* source_;  // one of the two
  Stream* stream_;
  int64_t stream_position_ = 0;  // the position the stream's next read gives
  const std::string split_;
  const int64_t epoch_;
  const std::vector<torch::Tensor> plan_;
  const LoaderSettings settings_;
  const size_t window_;  // how far ahead of the batch handed over the workers may go, together

  std::mutex mutex_;
  std::condition_variable ready_changed_, room_changed_;
  std::map<size_t, Result> ready_;  // made, not yet delivered
  size_t next_job_ = 0;             // the first batch no worker has taken
  size_t delivered_ = 0;            // batches handed over so far
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace forge
