#include "train/perplexity.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "data/packing.hpp"
#include "train/sft_trainer.hpp"

namespace t2sql::train {

PerplexityReport completion_perplexity(nn::LlamaModel& model, const text::Tokenizer& tokenizer,
                                       const text::ChatTemplate& chat_template, const std::vector<SftRecord>& records,
                                       const PerplexityOptions& options) {
  if (records.empty()) fail(ErrorCode::kInvalidArgument, "no records to score");
  if (options.batch_size <= 0) fail(ErrorCode::kInvalidArgument, "batch size must be positive, not {}", options.batch_size);
  if (options.max_seq_length < 2) {
    fail(ErrorCode::kInvalidArgument, "max sequence length must be at least 2, not {}", options.max_seq_length);
  }
  if (options.max_seq_length > model->config().max_position_embeddings) {
    fail(ErrorCode::kInvalidArgument, "max sequence length {} exceeds the model context of {}", options.max_seq_length,
         model->config().max_position_embeddings);
  }
  PackingOptions packing;
  packing.max_length = static_cast<size_t>(options.max_seq_length);
  packing.packing = false;
  packing.completion_only = true;
  PackingStats stats;
  std::vector<PackedSequence> sequences = pack_examples(tokenize_records(records, tokenizer, chat_template), packing, &stats);

  c10::InferenceMode inference_mode;
  model->eval();
  double loss_sum = 0;
  int64_t targets = 0;
  const auto batch = static_cast<size_t>(options.batch_size);
  for (size_t i = 0; i < sequences.size(); i += batch) {
    std::vector<const PackedSequence*> group;
    for (size_t j = i; j < std::min(sequences.size(), i + batch); ++j) group.push_back(&sequences[j]);
    MicroBatch micro_batch = make_micro_batch(group);
    if (micro_batch.target_tokens == 0) continue;
    loss_sum += summed_token_loss(model, micro_batch).item<double>();
    targets += micro_batch.target_tokens;
  }
  if (targets == 0) fail(ErrorCode::kInvalidArgument, "no completion token left to score (max sequence length {})", options.max_seq_length);
  PerplexityReport report;
  report.examples = static_cast<int64_t>(stats.examples);
  report.truncated = static_cast<int64_t>(stats.truncated_examples);
  report.target_tokens = targets;
  report.mean_loss = loss_sum / static_cast<double>(targets);
  report.perplexity = std::exp(report.mean_loss);
  return report;
}

}  // namespace t2sql::train
