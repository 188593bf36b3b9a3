// The supervised fine-tuning loop (`t2sql train sft`): full or LoRA training of a LlamaModel on
// packed prompt/completion examples, with the semantics of transformers' Trainer + TRL's SFTTrainer:
//   - loss: mean next-token cross-entropy over the completion tokens of one optimizer step (all
//     micro-batches of the accumulation together, so accumulation equals a bigger batch);
//   - packing with block-diagonal attention and per-example positions (no cross-example attention);
//   - AdamW (decoupled weight decay on matrices only, bias-corrected moments), clipping of the
//     total gradient norm, a transformers learning-rate schedule;
//   - checkpoints (trainable weights, optimizer, RNG, step) that resume to the same loss curve;
//   - metrics.jsonl and SVG curves in output_dir; SIGINT finishes the step, saves and stops.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/packing.hpp"
#include "nn/llama_model.hpp"
#include "train/sft_config.hpp"

namespace t2sql::train {

// One optimizer step's micro-batches as tensors.
struct MicroBatch {
  torch::Tensor input_ids;     // (B, T) int64
  torch::Tensor targets;       // (B, T) int64, kIgnoreIndex where no loss
  torch::Tensor position_ids;  // (B, T) int64
  torch::Tensor segment_ids;   // (B, T) int64, -1 on padding
  int64_t target_tokens = 0;
  int64_t tokens = 0;          // real (non-padding) tokens
};

// The examples of epoch `epoch` in their seeded order (seed + epoch), packed; with
// group_by_length and no packing, each run of 50 micro-batches is sorted longest first.
std::vector<PackedSequence> epoch_sequences(const std::vector<TokenizedExample>& examples, const SftConfig& config,
                                            const PackingOptions& packing, int64_t epoch, PackingStats* stats = nullptr);

// Stacks packed sequences into one right-padded micro-batch.
MicroBatch make_micro_batch(const std::vector<const PackedSequence*>& sequences);

// Sum of the cross-entropy over the target tokens of `batch` (logits only where a target is).
torch::Tensor summed_token_loss(nn::LlamaModel& model, const MicroBatch& batch);

// The parameters AdamW updates, in two groups: matrices (weight decay) and vectors (none), as
// transformers excludes biases and norm weights from decay.
std::unique_ptr<torch::optim::AdamW> make_adamw(nn::LlamaModel& model, const SftConfig& config);

// One optimizer step over `micro_batches` at learning rate `lr`: zero grads, backward of
// sum(loss) / total target tokens for each micro-batch, clip (max_grad_norm > 0), step.
// Returns {loss, grad_norm before clipping}.
std::pair<double, double> optimizer_step(nn::LlamaModel& model, torch::optim::AdamW& optimizer,
                                         const std::vector<MicroBatch>& micro_batches, double lr,
                                         double max_grad_norm);

// Initializes a model built from scratch like transformers' _init_weights: normal(0, 0.02)
// matrices and embeddings, zero biases, unit norm weights.
void initialize_scratch_weights(nn::LlamaModel& model, double std = 0.02);

struct SftResult {
  int64_t steps_done = 0;
  int64_t total_steps = 0;
  bool finished = false;          // false when stopped early (SIGINT, time budget, stop hook)
  std::string stop_reason;        // "" when finished
  std::filesystem::path last_checkpoint;
  std::filesystem::path final_model;  // output_dir/final when finished or stopped by the time budget
  std::vector<double> step_losses;    // loss of every step run in this call, in order
};

struct SftHooks {
  // Called after every optimizer step (1-based global step); return false to save and stop, as
  // SIGINT does (tests use it to interrupt a run at a chosen step).
  std::function<bool(int64_t step, double loss)> after_step;
};

// Runs the whole training described by `config` (see sft_config.hpp). Errors name the file or
// key at fault; a non-finite loss stops with Error(kInternal) naming the step and the last good
// checkpoint, which is kept as it was.
SftResult run_sft(const SftConfig& config, const SftHooks& hooks = {});

}  // namespace t2sql::train
