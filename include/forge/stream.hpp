// A split read front to back — a file too large to index, lines of text, a generator —
// rather than sample by sample: put it in the data map as
// `data.datasets["train"] = forge::Dataset::of(std::make_shared<MyStream>(...))`.
//
// Every epoch reads the same samples in the stream's own order (forge does not shuffle a
// stream). forge seeks to where it needs to start — each epoch's start, a resumed run's
// position — and reads on from there on one loader thread (`--workers` above 0) or on the
// training thread; data-parallel, each process reads its own share of every step's samples
// and skips the rest. A stream that seeks exactly resumes exactly (`forge check-resume`).
#pragma once

#include <forge/collate.hpp>
#include <forge/plugin.hpp>
#include <forge/sample.hpp>

#include <optional>
#include <string>
#include <vector>

namespace forge {

// How forge is about to read a stream: told before each epoch's (and each evaluation's) first seek.
struct StreamReading {
  std::string split;       // "train", "valid", "test"...
  int64_t batch_size = 0;  // samples per batch, per process (evaluation: --eval_batch_size)
  int rank = 0;            // data-parallel: this process, and how many there are
  int world_size = 1;
};

class BOOST_SYMBOL_VISIBLE Stream {
 public:
  virtual ~Stream() = default;

  // How the reading that follows is batched, told before forge asks samples_per_epoch() for it:
  // a stream that keeps lanes in rows, as truncated backpropagation through time does, lays its
  // samples out by it (sample p of an epoch: lane p % rows of chunk p / rows, rows the batch size
  // times the processes), and may count a whole number of such batches. Default: nothing.
  virtual void prepare(const StreamReading& /*reading*/) {}

  // Data-parallel evaluation gives each process a shard of an evaluated stream by default. A
  // stream whose samples carry state from one to the next returns false: every process then
  // reads the whole of it, and each gets the whole set's results itself.
  virtual bool evaluated_in_shards() const { return true; }

  // Samples every epoch reads.
  virtual int64_t samples_per_epoch() const = 0;

  // Makes the next next() (or skip()) be sample `position` (from 0) of `epoch` (from 1 in
  // training; 0 when evaluated).
  virtual void seek(int64_t epoch, int64_t position) = 0;

  // The sample at the current position, then moves past it, also when it throws (a bad
  // sample: its message, with describe(), is the line the run stops with, or that
  // --skip_bad_samples logs). nullopt: the epoch has no more samples.
  virtual std::optional<Example> next(SampleContext& context) = 0;

  // Moves past the sample at the current position without making it (another process's
  // share). Default: next(), its result dropped.
  virtual void skip(SampleContext& context) { next(context); }

  // The batch of `examples`. Default: every field stacked (forge/collate.hpp).
  virtual Batch collate(std::vector<Example>& examples) const { return stack_examples(examples); }

  // Names the sample at `position` in error messages ("data.tsv line 1234"). Default: nothing more.
  virtual std::string describe(int64_t /*position*/) const { return ""; }
};

}  // namespace forge
