// Perplexity of a model on prompt/completion records (`t2sql perplexity`): the mean next-token
// cross-entropy over the completion tokens only — the same loss SFT trains and reports as
// eval_loss — and its exponential. Used to measure what quantization or a merge costs a model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "nn/llama_model.hpp"
#include "text/chat_template.hpp"
#include "text/tokenizer.hpp"
#include "train/sft_dataset.hpp"

namespace t2sql::train {

struct PerplexityOptions {
  int64_t max_seq_length = 2048;  // longer examples are cut on the right (counted in `truncated`)
  int64_t batch_size = 8;
};

struct PerplexityReport {
  int64_t examples = 0;
  int64_t truncated = 0;
  int64_t target_tokens = 0;  // completion tokens scored
  double mean_loss = 0;       // nats per completion token
  double perplexity = 0;      // exp(mean_loss)
};

// Error(kInvalidArgument) when `records` is empty or no completion token is left to score.
PerplexityReport completion_perplexity(nn::LlamaModel& model, const text::Tokenizer& tokenizer,
                                       const text::ChatTemplate& chat_template, const std::vector<SftRecord>& records,
                                       const PerplexityOptions& options = {});

}  // namespace t2sql::train
