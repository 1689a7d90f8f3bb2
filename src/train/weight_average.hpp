// --ema_decay: an exponential moving average of the model's parameters, kept beside them and
// updated after every step (ema = decay * ema + (1 - decay) * parameter). Evaluation, `forge
// eval` and `forge export --ema` use it instead of the raw weights; every checkpoint holds it
// (as "ema/<name>"), so a resumed run continues the same average.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

namespace forge {

class WeightAverage {
 public:
  // Starts from the module's current parameters. Throws Error(ExitCode::usage) for a decay
  // outside (0, 1).
  WeightAverage(torch::nn::Module& module, double decay);

  void update();

  // The averages by parameter name: what a checkpoint saves.
  const std::map<std::string, torch::Tensor>& averages() const { return averages_; }

  // A checkpoint's averages; those it lacks (a run that turned --ema_decay on when resumed)
  // start from the parameters as they are.
  void restore(const std::map<std::string, torch::Tensor>& saved);

  // While alive, the module's parameters are the averages; the raw ones come back after.
  class Swap {
   public:
    explicit Swap(WeightAverage& average);
    ~Swap();
    Swap(const Swap&) = delete;
    Swap& operator=(const Swap&) = delete;

   private:
    WeightAverage& average_;
    std::map<std::string, torch::Tensor> raw_;
  };

 private:
  torch::nn::Module& module_;
  double decay_;
  std::map<std::string, torch::Tensor> averages_;
};

// Copies `averages` (by parameter name) into the module's parameters: evaluating or exporting
// a checkpoint's average. Throws Error(ExitCode::run) naming a parameter it lacks or whose
// shape differs.
void load_averages_into(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& averages,
                        const std::string& source);

}  // namespace forge
