#pragma once

#include <torch/torch.h>

inline torch::nn::Sequential tiny_net(int64_t inputs, int64_t width, int64_t classes) {
  return torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(inputs, width), torch::nn::Tanh(),
                               torch::nn::Linear(width, classes));
}
