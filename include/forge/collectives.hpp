// What a model's step may exchange with the other data-parallel processes (Model::collectives):
// contrastive learning's negatives from every process's batch, a statistic over the global
// batch. Alone, rank 0 of 1, every exchange gives back what it was given.
//
// The processes are there for training steps (step, manual_step); evaluation, where each process
// evaluates a shard of its own, sees each alone. Every process must make the same exchanges in
// the same order in every step, so every process needs samples in every step: train such a
// model with --drop_last (or a plan with drop_last), so that no batch is smaller than the
// processes.
#pragma once

#include <torch/torch.h>

namespace forge {

class Collectives {
 public:
  virtual ~Collectives() = default;
  virtual int rank() const { return 0; }
  virtual int world_size() const { return 1; }
  // Every process's `tensor`, in rank order, joined along the first dimension (shapes equal
  // beyond it; the first may differ). Differentiable: the gradient of every process's loss
  // reaches the rows it came from, so N processes of batch B train as one of batch N×B.
  // Alone: `tensor` itself.
  virtual torch::Tensor all_gather(const torch::Tensor& tensor) { return tensor; }
  // `tensor` summed over the processes, in place (not differentiable).
  virtual void all_reduce_sum(torch::Tensor& /*tensor*/) {}
};

}  // namespace forge
