#include "train/checkpointer.hpp"

#include "runs/checkpoint_files.hpp"
#include "runs/manifest.hpp"
#include "train/checkpoint.hpp"

#include <spdlog/spdlog.h>
#include <boost/filesystem.hpp>

#include <chrono>

namespace forge {

RunFolderCheckpointer::RunFolderCheckpointer(std::string run_dir, Options options)
    : run_dir_(std::move(run_dir)), options_(options) {}

void RunFolderCheckpointer::save(torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                                 const TrainingPosition& position, int64_t keep_step) {
  const std::string path = checkpoint_path(run_dir_, position.step);
  auto started = std::chrono::steady_clock::now();
  save_checkpoint(path, model, optimizer, position, options_.device);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("checkpoint {} ({:.0f} KiB, {:.1f} ms)", path, boost::filesystem::file_size(path) / 1024.0, ms);
  record_progress(run_dir_, position.step, position.epoch, options_.epochs, options_.max_steps);
  prune(position.step, keep_step);
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
