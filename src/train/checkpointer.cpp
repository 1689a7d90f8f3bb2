#include "train/checkpointer.hpp"

#include "core/exception_text.hpp"
#include "runs/checkpoint_files.hpp"
#include "runs/manifest.hpp"

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

#include <chrono>

namespace forge {
namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Copies `from`'s tensors into `into`'s, allocating only where a tensor is new or changed
// shape: from the second checkpoint on, taking the copy faults no new pages in.
void copy_state(const CheckpointState& from, CheckpointState& into) {
  into.meta = from.meta;
  into.tensors.resize(from.tensors.size());
  for (size_t i = 0; i < from.tensors.size(); ++i) {
    const torch::Tensor& source = from.tensors[i].second;
    auto& [name, copy] = into.tensors[i];
    name = from.tensors[i].first;
    if (!copy.defined() || copy.sizes() != source.sizes() || copy.scalar_type() != source.scalar_type())
      copy = torch::empty(source.sizes(), source.options());
    copy.copy_(source);
  }
}

}  // namespace

RunFolderCheckpointer::RunFolderCheckpointer(std::string run_dir, Options options)
    : run_dir_(std::move(run_dir)), options_(options) {}

RunFolderCheckpointer::~RunFolderCheckpointer() {
  try {
    wait();
  } catch (const std::exception& e) {
    spdlog::warn("{}", exception_text(e));
  }
}

void RunFolderCheckpointer::save(const CheckpointSubject& subject, const TrainingPosition& position,
                                 int64_t keep_step) {
  wait();
  const auto started = std::chrono::steady_clock::now();
  Written written{checkpoint_path(run_dir_, position.step), position, keep_step, 0};
  CheckpointState state = capture_checkpoint_state(subject, position, options_.device);
  if (!options_.asynchronous) {
    write_checkpoint(written.path, state);
    written.stall_ms = written.write_ms = ms_since(started);
    log_written(written);
    record(written);
    prune(position.step, keep_step);
    return;
  }
  copy_state(state, copy_);
  written.stall_ms = ms_since(started);
  in_flight_ = written;
  writer_ = std::thread([this] {
    const auto write_started = std::chrono::steady_clock::now();
    try {
      write_checkpoint(in_flight_->path, copy_);
      in_flight_->write_ms = ms_since(write_started);
      // Pruning here too: removing a big file costs the disk time (a discard) training need
      // not wait for.
      prune(in_flight_->position.step, in_flight_->keep_step);
      log_written(*in_flight_);  // now, not when training next looks: the log says when it landed
    } catch (const std::exception& e) {
      spdlog::error("checkpoint {} failed: {}; the run stops at its next step", in_flight_->path, exception_text(e));
      write_error_ = std::current_exception();
      failed_.store(true);
    } catch (...) {
      write_error_ = std::current_exception();
      failed_.store(true);
    }
  });
}

void RunFolderCheckpointer::wait() {
  if (!writer_.joinable()) return;
  writer_.join();
  Written written = *in_flight_;
  in_flight_.reset();
  failed_.store(false);
  if (write_error_) std::rethrow_exception(std::exchange(write_error_, nullptr));
  record(written);
}

void RunFolderCheckpointer::log_written(const Written& written) const {
  const double mib = double(boost::filesystem::file_size(written.path)) / (1 << 20);
  if (options_.asynchronous)
    spdlog::info("checkpoint {} ({:.1f} MiB): training waited {:.1f} ms, written alongside in {:.1f} ms", written.path,
                 mib, written.stall_ms, written.write_ms);
  else
    spdlog::info("checkpoint {} ({:.1f} MiB): training waited {:.1f} ms while it was written", written.path, mib,
                 written.stall_ms);
}

void RunFolderCheckpointer::record(const Written& written) const {
  record_progress(run_dir_, written.position.step, written.position.epoch, options_.epochs, options_.max_steps);
}

void RunFolderCheckpointer::prune(int64_t written, int64_t keep_step) const {
  if (options_.keep_checkpoints <= 0) return;
  // Files after the one just written are no newer state of this run (a resume sets broken
  // ones aside): they never take the place of what was written.
  std::vector<int64_t> steps;
  for (int64_t step : list_checkpoints(run_dir_))
    if (step <= written) steps.push_back(step);
  for (size_t i = 0; i + options_.keep_checkpoints < steps.size(); ++i)
    if (steps[i] != keep_step) boost::filesystem::remove(checkpoint_path(run_dir_, steps[i]));
}

}  // namespace forge
