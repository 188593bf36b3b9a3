#include "data/packing.hpp"

#include "common/error.hpp"

namespace t2sql {

std::vector<PackedSequence> pack_examples(const std::vector<TokenizedExample>& examples, const PackingOptions& options,
                                          PackingStats* stats) {
  if (options.max_length < 2) fail(ErrorCode::kInvalidArgument, "max_length must be at least 2 (got {})", options.max_length);
  PackingStats local;
  std::vector<PackedSequence> sequences;
  for (const TokenizedExample& example : examples) {
    size_t length = example.prompt.size() + example.completion.size();
    if (length == 0) continue;
    if (length > options.max_length) {
      length = options.max_length;
      ++local.truncated_examples;
    }
    const bool fits = !sequences.empty() && options.packing &&
                      sequences.back().input_ids.size() + length <= options.max_length;
    if (!fits) sequences.emplace_back();
    PackedSequence& sequence = sequences.back();
    const int32_t segment = sequence.examples++;
    const size_t start = sequence.input_ids.size();
    for (size_t i = 0; i < length; ++i) {
      const bool in_prompt = i < example.prompt.size();
      sequence.input_ids.push_back(in_prompt ? example.prompt[i] : example.completion[i - example.prompt.size()]);
      sequence.position_ids.push_back(static_cast<int32_t>(i));
      sequence.segment_ids.push_back(segment);
      sequence.targets.push_back(kIgnoreIndex);
    }
    // targets[t] = input_ids[t + 1] within the example, when that next token is one we learn.
    for (size_t i = 0; i + 1 < length; ++i) {
      const size_t next = i + 1;
      const bool next_is_completion = next >= example.prompt.size();
      if (next_is_completion || !options.completion_only) {
        sequence.targets[start + i] = sequence.input_ids[start + next];
        ++local.target_tokens;
      }
    }
    local.tokens += length;
    ++local.examples;
  }
  local.sequences = sequences.size();
  if (stats) *stats = local;
  return sequences;
}

}  // namespace t2sql
