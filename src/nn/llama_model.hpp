// The Llama-family decoder (Llama, Qwen2, Mistral, Mixtral) as torch::nn::Module trees whose
// parameter names are the Hugging Face names one to one (model.layers.3.self_attn.q_proj.weight),
// so checkpoints, LoRA adapters and merges address weights by the same strings as the Python stack.
// Forward follows transformers' eager code: RMSNorm in fp32, RoPE with rotate_half, GQA, SwiGLU,
// Mixtral's softmax-then-top-k routing. It is differentiable (no in-place ops on autograd paths),
// so trainers run it directly. Only model-part sources include this header (it pulls LibTorch).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "nn/llama_config.hpp"

namespace t2sql::nn {

// LoRA hyper-parameters (PEFT's LoraConfig subset we honour).
struct LoraConfig {
  int64_t r = 8;
  double alpha = 16.0;
  double dropout = 0.0;
  // Module names among q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj.
  std::vector<std::string> target_modules = {"q_proj", "v_proj"};
  double scaling() const { return alpha / static_cast<double>(r); }
};

// How a linear layer stores its weight.
enum class WeightFormat { kDense, kQ8, kQ4 };

// A linear projection y = x W^T + b. It may carry a LoRA adapter
//   y += lora_B(lora_A(dropout(x))) * alpha / r
// (PEFT's formulation; A is Kaiming-uniform, B starts at zero) and may hold its weight quantized
// (weight-only: dequantized on the fly, see docs/formats.md). Every projection of the model is one.
class LoraLinearImpl : public torch::nn::Module {
 public:
  LoraLinearImpl(int64_t in_features, int64_t out_features, bool bias,
                 WeightFormat format = WeightFormat::kDense, int64_t group_size = 0);

  // x (..., in_features) -> (..., out_features)
  torch::Tensor forward(const torch::Tensor& x);

  // Adds a fresh adapter (A random with the global torch seed, B zero). Fails on a quantized layer
  // that is merged into, never on training.
  void attach_lora(int64_t r, double alpha, double dropout);
  bool has_lora() const { return !lora_A.is_empty(); }
  // Folds B A * scaling into the weight (forward then skips the adapter) / takes it back out.
  // Dense weights only.
  void merge_lora();
  void unmerge_lora();
  bool lora_merged() const { return merged_; }

  // The weight as a dense (out, in) tensor: dequantized when quantized, without LoRA.
  torch::Tensor dense_weight() const;
  WeightFormat format() const { return format_; }
  int64_t group_size() const { return group_size_; }
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }

  torch::Tensor weight;   // (out, in) kDense only
  torch::Tensor bias;     // (out) or undefined
  torch::Tensor qweight;  // kQ8: int8 (out, in); kQ4: uint8 (out, in / 2), two 4-bit codes a byte
  torch::Tensor scales;   // kQ8: float (out); kQ4: float (out, in / group_size)
  torch::nn::Linear lora_A{nullptr};  // (r, in)
  torch::nn::Linear lora_B{nullptr};  // (out, r)

 private:
  int64_t in_features_;
  int64_t out_features_;
  WeightFormat format_;
  int64_t group_size_;
  double lora_scaling_ = 0.0;
  double lora_dropout_ = 0.0;
  bool merged_ = false;
};
TORCH_MODULE(LoraLinear);

// The keys and values of every layer seen so far, for incremental decoding.
// keys[l], values[l]: (batch, num_key_value_heads, length, head_dim). Without autograd the storage
// is preallocated and grows geometrically, so a decode step appends in place.
class KvCache {
 public:
  // Number of positions cached.
  int64_t length() const { return length_; }
  // Appends this step's k, v (batch, kv_heads, steps, head_dim) for `layer`; returns all keys and
  // values so far. The model calls it once per layer per forward, then `advance(steps)`.
  std::pair<torch::Tensor, torch::Tensor> append(int64_t layer, const torch::Tensor& key,
                                                 const torch::Tensor& value);
  void advance(int64_t steps) { length_ += steps; }
  // Keeps the batch rows `rows` (beam search reordering, dropping finished rows).
  void select_rows(const torch::Tensor& rows);
  void clear();

 private:
  std::vector<torch::Tensor> keys_;    // per layer (batch, kv_heads, capacity, head_dim)
  std::vector<torch::Tensor> values_;  // same
  int64_t length_ = 0;
};

// RMSNorm: x / sqrt(mean(x^2) + eps) * weight, computed in fp32 like transformers.
class RmsNormImpl : public torch::nn::Module {
 public:
  RmsNormImpl(int64_t size, double eps);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight;  // (size)

 private:
  double eps_;
};
TORCH_MODULE(RmsNorm);

class LlamaAttentionImpl : public torch::nn::Module {
 public:
  explicit LlamaAttentionImpl(const LlamaConfig& config, int64_t layer_index);
  // hidden (B, T, hidden); cos, sin (B, T, head_dim); mask additive (B, 1, T, S) or undefined.
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& cos,
                        const torch::Tensor& sin, const torch::Tensor& mask, KvCache* cache);
  LoraLinear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  // Dropout on the attention probabilities while training (transformers' `attention_dropout`).
  double attention_dropout = 0.0;

 private:
  int64_t layer_index_;
  int64_t num_heads_;
  int64_t num_kv_heads_;
  int64_t head_dim_;
};
TORCH_MODULE(LlamaAttention);

// SwiGLU: down(silu(gate(x)) * up(x)).
class LlamaMlpImpl : public torch::nn::Module {
 public:
  explicit LlamaMlpImpl(const LlamaConfig& config);
  torch::Tensor forward(const torch::Tensor& x);
  LoraLinear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(LlamaMlp);

// One Mixtral expert: w2(silu(w1 x) * w3 x).
class MixtralExpertImpl : public torch::nn::Module {
 public:
  explicit MixtralExpertImpl(const LlamaConfig& config);
  torch::Tensor forward(const torch::Tensor& x);
  LoraLinear w1{nullptr}, w2{nullptr}, w3{nullptr};
};
TORCH_MODULE(MixtralExpert);

// Sparse MoE: router softmax over experts, top-k, weights renormalized to sum 1.
class MixtralSparseMoeImpl : public torch::nn::Module {
 public:
  explicit MixtralSparseMoeImpl(const LlamaConfig& config);
  torch::Tensor forward(const torch::Tensor& x);
  LoraLinear gate{nullptr};  // router (num_experts, hidden)
  torch::nn::ModuleList experts;

 private:
  int64_t top_k_;
};
TORCH_MODULE(MixtralSparseMoe);

class LlamaDecoderLayerImpl : public torch::nn::Module {
 public:
  LlamaDecoderLayerImpl(const LlamaConfig& config, int64_t layer_index);
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& cos,
                        const torch::Tensor& sin, const torch::Tensor& mask, KvCache* cache);
  RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  LlamaAttention self_attn{nullptr};
  LlamaMlp mlp{nullptr};                      // dense models
  MixtralSparseMoe block_sparse_moe{nullptr};  // Mixtral
  // Dropout on the attention and MLP outputs before each residual add, while training (GPT-2's
  // resid_pdrop; Llama checkpoints have none, so it is a training setting, not a config field).
  double hidden_dropout = 0.0;
};
TORCH_MODULE(LlamaDecoderLayer);

// `model.*`: embeddings, layers, final norm.
class LlamaBackboneImpl : public torch::nn::Module {
 public:
  explicit LlamaBackboneImpl(const LlamaConfig& config);
  torch::nn::Embedding embed_tokens{nullptr};  // (vocab, hidden)
  torch::nn::ModuleList layers;
  RmsNorm norm{nullptr};
};
TORCH_MODULE(LlamaBackbone);

// The causal LM: `model` + `lm_head` (absent when tied to the embeddings, as in HF checkpoints).
class LlamaModelImpl : public torch::nn::Module {
 public:
  explicit LlamaModelImpl(const LlamaConfig& config);

  // input_ids (B, T) int64. attention_mask (B, past + T), 1 = real token, 0 = padding; undefined
  // means all real. position_ids (B, T); undefined means past .. past + T - 1, or, with a mask,
  // the running count of real tokens (left padding). With `cache`, keys/values are appended and
  // past = cache->length(). logits_to_keep = k > 0 computes logits for the last k positions only.
  // segment_ids (B, T) int64 (training on packed sequences, no cache): a token attends only to
  // earlier tokens of its own segment (block-diagonal causal mask); undefined means one segment.
  // Returns logits (B, T or k, vocab) in the parameter dtype.
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {},
                        const torch::Tensor& position_ids = {}, KvCache* cache = nullptr,
                        int64_t logits_to_keep = 0, const torch::Tensor& segment_ids = {});
  // The final normalized hidden states (B, T, hidden), same arguments.
  torch::Tensor hidden_states(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {},
                              const torch::Tensor& position_ids = {}, KvCache* cache = nullptr,
                              const torch::Tensor& segment_ids = {});
  // hidden (B, T, hidden) -> logits (B, T, vocab) through lm_head or the tied embedding.
  torch::Tensor logits_from_hidden(const torch::Tensor& hidden);

  const LlamaConfig& config() const { return config_; }
  // Every projection with its full parameter prefix ("model.layers.0.self_attn.q_proj").
  std::vector<std::pair<std::string, LoraLinear>> linear_layers();

  // Regularization for training (active only in train() mode; eval() and generation never drop):
  // `hidden` on the token embeddings and on every attention and MLP output before the residual
  // add, `attention` on the attention probabilities. Both in [0, 1); 0 turns them off.
  void set_dropout(double hidden, double attention);

  LlamaBackbone model{nullptr};
  LoraLinear lm_head{nullptr};  // null when tie_word_embeddings

 private:
  LlamaConfig config_;
  double embedding_dropout_ = 0.0;
  torch::Tensor inv_freq_;  // (head_dim / 2) fp32, after rope scaling
};
TORCH_MODULE(LlamaModel);

// RoPE inverse frequencies (head_dim / 2) for a config, rope_scaling applied (transformers'
// _compute_default_rope_parameters / _compute_llama3_parameters).
torch::Tensor rope_inverse_frequencies(const LlamaConfig& config);

}  // namespace t2sql::nn
