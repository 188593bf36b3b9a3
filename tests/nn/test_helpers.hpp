// Shared helpers for the model engine's tests: temporary folders and cached greedy decoding.
#pragma once

#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "nn/llama_model.hpp"

namespace t2sql::nn::testing_support {

// An empty folder <tmp>/t2sql_<suite>_<name>_<pid>, recreated on every call.
inline std::filesystem::path temp_dir(const std::string& suite, const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("t2sql_" + suite + "_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Greedy continuation with the KV cache: prefill, then one token per step. `first_step`, when
// given, receives the logits of the first single-token step.
inline std::vector<int64_t> greedy_cached(LlamaModel& model, const torch::Tensor& prompt, int steps,
                                          torch::Tensor* first_step = nullptr) {
  torch::NoGradGuard no_grad;
  KvCache cache;
  auto logits = model->forward(prompt.unsqueeze(0), {}, {}, &cache, 1);
  std::vector<int64_t> out;
  for (int i = 0; i < steps; ++i) {
    int64_t token = logits[0][-1].argmax().item<int64_t>();
    out.push_back(token);
    logits = model->forward(torch::tensor({{token}}), {}, {}, &cache, 1);
    if (i == 0 && first_step != nullptr) *first_step = logits.clone();
  }
  return out;
}

}  // namespace t2sql::nn::testing_support
