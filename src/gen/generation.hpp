// Text generation with a KV-cached LlamaModel: batched greedy / sampled decoding with left padding
// and beam search, following the semantics of transformers' generate() (processor order, top-p
// rule, beam hypotheses and length penalty). Model-part header (pulls LibTorch).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nn/llama_model.hpp"

namespace t2sql::gen {

struct GenerationConfig {
  int64_t max_new_tokens = 128;
  double temperature = 0.0;        // 0: greedy (no sampling)
  int64_t top_k = 0;               // 0: off
  double top_p = 1.0;              // 1: off
  double repetition_penalty = 1.0; // 1: off; CTRL-style: logit / p if > 0 else logit * p
  int64_t num_beams = 1;           // > 1: beam search (deterministic; temperature ignored)
  double length_penalty = 1.0;     // beam score = sum log p / generated_length ^ length_penalty
  bool early_stopping = false;     // beams: stop once num_beams hypotheses are finished
  std::vector<int64_t> stop_token_ids;   // e.g. the eos ids; the stop token is kept in the output
  std::vector<std::string> stop_strings; // need GenerationHooks::detokenize; greedy/sampling only
  int64_t pad_token_id = 0;        // fills left padding (masked out)
  uint64_t seed = 42;              // sampling RNG
};

// Called with logits (vocab_size floats, CPU) of the next token for `sequence` (index into the
// prompts), after the repetition penalty and before temperature / top-k / top-p (beam search: on
// log-probabilities). `ids` is the prompt plus the tokens generated so far. Set a logit to -inf to
// forbid a token (constrained decoding).
using LogitsProcessor = std::function<void(std::size_t sequence, const std::vector<int64_t>& ids,
                                           float* logits, int64_t vocab_size)>;
// Streaming: called for every generated token in order; return false to stop that sequence.
// With beam search it is called for the winning hypothesis once the search ends.
using TokenCallback = std::function<bool(std::size_t sequence, int64_t token)>;
// Token ids -> text, for stop strings (keeps gen independent of a concrete tokenizer).
using Detokenizer = std::function<std::string(const std::vector<int64_t>& ids)>;

struct GenerationHooks {
  LogitsProcessor logits_processor;
  TokenCallback on_token;
  Detokenizer detokenize;
};

enum class FinishReason { kLength, kStopToken, kStopString, kCallback };
std::string_view finish_reason_name(FinishReason reason);

struct GenerationResult {
  std::vector<int64_t> tokens;  // new tokens only
  FinishReason finish_reason = FinishReason::kLength;
  double score = 0.0;           // beam search: the hypothesis score; else the sum of log-probs
  // Beam search only: every finished hypothesis, best score first (the first is `tokens`), for
  // re-ranking such as execution-guided selection.
  std::vector<std::vector<int64_t>> hypotheses;
  std::vector<double> hypothesis_scores;
};

// Generates a continuation for every prompt (one batch, left-padded; beam search runs prompt by
// prompt). Runs without autograd. Errors: an empty prompt, a token outside the vocabulary, a
// prompt that fills the context, stop strings without a detokenizer, invalid settings.
std::vector<GenerationResult> generate(nn::LlamaModel& model,
                                       const std::vector<std::vector<int64_t>>& prompts,
                                       const GenerationConfig& config,
                                       const GenerationHooks& hooks = {});

}  // namespace t2sql::gen
