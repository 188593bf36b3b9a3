// Packing of tokenized SFT examples into fixed-budget sequences for training.
//
// Each token carries its example's segment id and a position id that restarts at 0 per example, so
// the model can use a block-diagonal causal mask: no example ever attends to another one packed
// beside it. Targets are already shifted: targets[t] is the token the model must predict after
// reading input_ids[0..t], or kIgnoreIndex where no loss is taken (prompt tokens when
// completion_only, the last token of every example, padding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace t2sql {

inline constexpr int32_t kIgnoreIndex = -100;

struct TokenizedExample {
  std::vector<int32_t> prompt;      // chat-rendered system + user turns (and the assistant header)
  std::vector<int32_t> completion;  // the answer tokens, ending with the end-of-turn / eos token
};

struct PackedSequence {
  std::vector<int32_t> input_ids;     // (length)
  std::vector<int32_t> targets;       // (length) next-token targets or kIgnoreIndex
  std::vector<int32_t> position_ids;  // (length) 0.. within each example
  std::vector<int32_t> segment_ids;   // (length) 0.. example index within this sequence
  int32_t examples = 0;
};

struct PackingOptions {
  size_t max_length = 3072;      // tokens per sequence
  bool packing = true;           // false: one example per sequence
  bool completion_only = true;   // loss on the completion tokens only
};

struct PackingStats {
  size_t sequences = 0;
  size_t examples = 0;
  size_t truncated_examples = 0;  // longer than max_length, cut on the right
  size_t tokens = 0;
  size_t target_tokens = 0;       // tokens that carry a loss
};

// Packs examples in their given order (shuffle before calling): an example goes into the current
// sequence when it fits, else it starts a new one. Examples longer than max_length are truncated on
// the right. Examples with no completion token left after truncation still pack but carry no loss.
std::vector<PackedSequence> pack_examples(const std::vector<TokenizedExample>& examples, const PackingOptions& options,
                                          PackingStats* stats = nullptr);

}  // namespace t2sql
