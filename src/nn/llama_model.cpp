#include "nn/llama_model.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include "common/error.hpp"
#include "nn/gemv.hpp"

namespace t2sql::nn {

namespace {

WeightFormat format_of(const LlamaConfig& config) {
  if (!config.quantization) return WeightFormat::kDense;
  return config.quantization->type == "q8" ? WeightFormat::kQ8 : WeightFormat::kQ4;
}

int64_t group_of(const LlamaConfig& config) {
  return config.quantization ? config.quantization->group_size : 0;
}

// transformers' rotate_half: (x1, x2) -> (-x2, x1) over the two halves of the last dimension.
torch::Tensor rotate_half(const torch::Tensor& x) {
  int64_t half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

}  // namespace

// ---- LoraLinear ----

LoraLinearImpl::LoraLinearImpl(int64_t in_features, int64_t out_features, bool has_bias,
                               WeightFormat format, int64_t group_size)
    : in_features_(in_features), out_features_(out_features), format_(format), group_size_(group_size) {
  switch (format) {
    case WeightFormat::kDense:
      // Same initialization as torch.nn.Linear so randomly initialized models are sane.
      weight = register_parameter("weight", torch::empty({out_features, in_features}));
      torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
      break;
    case WeightFormat::kQ8:
      qweight = register_buffer("qweight", torch::zeros({out_features, in_features}, torch::kInt8));
      scales = register_buffer("scales", torch::zeros({out_features}));
      break;
    case WeightFormat::kQ4:
      if (group_size <= 0 || in_features % group_size != 0 || group_size % 2 != 0) {
        fail(ErrorCode::kUnsupported, "q4 needs in_features ({}) divisible by an even group size ({})",
             in_features, group_size);
      }
      qweight = register_buffer("qweight", torch::zeros({out_features, in_features / 2}, torch::kUInt8));
      scales = register_buffer("scales", torch::zeros({out_features, in_features / group_size}));
      break;
  }
  if (has_bias) {
    bias = register_parameter("bias", torch::zeros({out_features}));
  }
}

torch::Tensor LoraLinearImpl::dense_weight() const {
  switch (format_) {
    case WeightFormat::kDense:
      return weight;
    case WeightFormat::kQ8:
      return qweight.to(scales.scalar_type()) * scales.unsqueeze(1);
    case WeightFormat::kQ4: {
      // Low nibble = even column, high nibble = odd column; codes are value + 8.
      auto low = torch::bitwise_and(qweight, 15);
      auto high = torch::bitwise_right_shift(qweight, 4);
      auto codes = torch::stack({low, high}, -1).reshape({out_features_, in_features_});
      auto values = codes.to(scales.scalar_type()) - 8;
      return (values.view({out_features_, -1, group_size_}) * scales.unsqueeze(-1))
          .reshape({out_features_, in_features_});
    }
  }
  return weight;
}

torch::Tensor LoraLinearImpl::forward(const torch::Tensor& x) {
  torch::Tensor y;
  if ((format_ == WeightFormat::kQ8 || format_ == WeightFormat::kQ4) && fused_linear_applies(x, qweight)) {
    y = fused_linear(x, qweight, scales, bias);  // codes read as stored, never dequantized whole
  } else if (format_ == WeightFormat::kDense && fused_linear_applies(x, weight)) {
    y = fused_linear(x, weight, torch::Tensor(), bias);  // a 16-bit weight kept as stored
  } else {
    torch::Tensor w = dense_weight();
    if (w.scalar_type() != x.scalar_type()) w = w.to(x.scalar_type());
    y = torch::nn::functional::linear(x, w, bias.defined() ? bias : torch::Tensor());
  }
  if (has_lora() && !merged_) {
    torch::Tensor input = x;
    if (lora_dropout_ > 0.0 && is_training()) {
      input = torch::dropout(input, lora_dropout_, /*train=*/true);
    }
    y = y + lora_B(lora_A(input)) * lora_scaling_;
  }
  return y;
}

void LoraLinearImpl::attach_lora(int64_t r, double alpha, double dropout) {
  if (has_lora()) fail(ErrorCode::kInvalidArgument, "layer already has a LoRA adapter");
  if (r <= 0) fail(ErrorCode::kInvalidArgument, "LoRA rank must be positive, got {}", r);
  if (dropout < 0.0 || dropout >= 1.0) fail(ErrorCode::kInvalidArgument, "LoRA dropout must be in [0, 1), got {}", dropout);
  auto options = torch::nn::LinearOptions(in_features_, r).bias(false);
  lora_A = register_module("lora_A", torch::nn::Linear(options));  // Kaiming-uniform(a=sqrt 5)
  lora_B = register_module("lora_B", torch::nn::Linear(torch::nn::LinearOptions(r, out_features_).bias(false)));
  torch::NoGradGuard no_grad;
  lora_B->weight.zero_();
  auto reference = format_ == WeightFormat::kDense ? weight : scales;
  lora_A->to(reference.scalar_type());
  lora_B->to(reference.scalar_type());
  lora_A->to(reference.device());
  lora_B->to(reference.device());
  lora_scaling_ = alpha / static_cast<double>(r);
  lora_dropout_ = dropout;
  merged_ = false;
}

void LoraLinearImpl::merge_lora() {
  if (!has_lora()) fail(ErrorCode::kInvalidArgument, "no LoRA adapter to merge");
  if (format_ != WeightFormat::kDense) fail(ErrorCode::kUnsupported, "cannot merge LoRA into a quantized weight");
  if (merged_) return;
  torch::NoGradGuard no_grad;
  weight.add_(torch::matmul(lora_B->weight, lora_A->weight).to(weight.scalar_type()) * lora_scaling_);
  merged_ = true;
}

void LoraLinearImpl::unmerge_lora() {
  if (!merged_) return;
  torch::NoGradGuard no_grad;
  weight.sub_(torch::matmul(lora_B->weight, lora_A->weight).to(weight.scalar_type()) * lora_scaling_);
  merged_ = false;
}

// ---- KvCache ----

std::pair<torch::Tensor, torch::Tensor> KvCache::append(int64_t layer, const torch::Tensor& key,
                                                        const torch::Tensor& value) {
  if (static_cast<int64_t>(keys_.size()) <= layer) {
    keys_.resize(layer + 1);
    values_.resize(layer + 1);
  }
  torch::Tensor& keys = keys_[layer];
  torch::Tensor& values = values_[layer];
  int64_t steps = key.size(2);
  if (torch::GradMode::is_enabled()) {
    // Autograd needs fresh tensors: concatenate (the training path rarely uses a cache).
    if (keys.defined() && length_ > 0) {
      keys = torch::cat({keys.narrow(2, 0, length_), key}, 2);
      values = torch::cat({values.narrow(2, 0, length_), value}, 2);
    } else {
      keys = key;
      values = value;
    }
    return {keys, values};
  }
  int64_t needed = length_ + steps;
  if (!keys.defined() || keys.size(2) < needed || keys.size(0) != key.size(0)) {
    int64_t capacity = std::max<int64_t>(needed, keys.defined() ? 2 * keys.size(2) : needed + 64);
    auto grown_keys = torch::empty({key.size(0), key.size(1), capacity, key.size(3)}, key.options());
    auto grown_values = torch::empty({value.size(0), value.size(1), capacity, value.size(3)}, value.options());
    if (keys.defined() && length_ > 0) {
      grown_keys.narrow(2, 0, length_).copy_(keys.narrow(2, 0, length_));
      grown_values.narrow(2, 0, length_).copy_(values.narrow(2, 0, length_));
    }
    keys = grown_keys;
    values = grown_values;
  }
  keys.narrow(2, length_, steps).copy_(key);
  values.narrow(2, length_, steps).copy_(value);
  return {keys.narrow(2, 0, needed), values.narrow(2, 0, needed)};
}

void KvCache::select_rows(const torch::Tensor& rows) {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (!keys_[i].defined()) continue;
    keys_[i] = keys_[i].index_select(0, rows);
    values_[i] = values_[i].index_select(0, rows);
  }
}

void KvCache::clear() {
  keys_.clear();
  values_.clear();
  length_ = 0;
}

// ---- RMSNorm ----

RmsNormImpl::RmsNormImpl(int64_t size, double eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({size}));
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
  auto input_dtype = x.scalar_type();
  auto hidden = x.to(torch::kFloat32);
  auto variance = hidden.pow(2).mean(-1, /*keepdim=*/true);
  hidden = hidden * torch::rsqrt(variance + eps_);
  return weight * hidden.to(input_dtype);
}

// ---- attention ----

LlamaAttentionImpl::LlamaAttentionImpl(const LlamaConfig& config, int64_t layer_index)
    : layer_index_(layer_index),
      num_heads_(config.num_attention_heads),
      num_kv_heads_(config.num_key_value_heads),
      head_dim_(config.head_dim) {
  auto format = format_of(config);
  auto group = group_of(config);
  q_proj = register_module("q_proj", LoraLinear(config.hidden_size, num_heads_ * head_dim_, config.qkv_bias, format, group));
  k_proj = register_module("k_proj", LoraLinear(config.hidden_size, num_kv_heads_ * head_dim_, config.qkv_bias, format, group));
  v_proj = register_module("v_proj", LoraLinear(config.hidden_size, num_kv_heads_ * head_dim_, config.qkv_bias, format, group));
  o_proj = register_module("o_proj", LoraLinear(num_heads_ * head_dim_, config.hidden_size, config.o_bias, format, group));
}

torch::Tensor LlamaAttentionImpl::forward(const torch::Tensor& hidden, const torch::Tensor& cos,
                                          const torch::Tensor& sin, const torch::Tensor& mask,
                                          KvCache* cache) {
  int64_t batch = hidden.size(0);
  int64_t steps = hidden.size(1);
  auto q = q_proj(hidden).view({batch, steps, num_heads_, head_dim_}).transpose(1, 2);
  auto k = k_proj(hidden).view({batch, steps, num_kv_heads_, head_dim_}).transpose(1, 2);
  auto v = v_proj(hidden).view({batch, steps, num_kv_heads_, head_dim_}).transpose(1, 2);
  auto cos_heads = cos.unsqueeze(1);
  auto sin_heads = sin.unsqueeze(1);
  q = q * cos_heads + rotate_half(q) * sin_heads;
  k = k * cos_heads + rotate_half(k) * sin_heads;
  if (cache != nullptr) std::tie(k, v) = cache->append(layer_index_, k, v);
  int64_t keys = k.size(2);
  int64_t group = num_heads_ / num_kv_heads_;
  // GQA without copying K/V: query head h uses kv head h / group (transformers' repeat_kv order),
  // so fold the group into the query rows: (B, kv, group * T, D) x (B, kv, D, S).
  auto q_grouped = q.reshape({batch, num_kv_heads_, group * steps, head_dim_});
  auto scores = torch::matmul(q_grouped, k.transpose(2, 3)) * (1.0 / std::sqrt(static_cast<double>(head_dim_)));
  scores = scores.view({batch, num_heads_, steps, keys});
  if (mask.defined()) scores = scores + mask;
  auto probabilities = torch::softmax(scores, -1, torch::kFloat32).to(q.scalar_type());
  if (attention_dropout > 0.0 && is_training()) probabilities = torch::dropout(probabilities, attention_dropout, /*train=*/true);
  auto context = torch::matmul(probabilities.view({batch, num_kv_heads_, group * steps, keys}), v);
  context = context.view({batch, num_heads_, steps, head_dim_}).transpose(1, 2).reshape({batch, steps, num_heads_ * head_dim_});
  return o_proj(context);
}

// ---- MLP / MoE ----

LlamaMlpImpl::LlamaMlpImpl(const LlamaConfig& config) {
  auto format = format_of(config);
  auto group = group_of(config);
  gate_proj = register_module("gate_proj", LoraLinear(config.hidden_size, config.intermediate_size, config.mlp_bias, format, group));
  up_proj = register_module("up_proj", LoraLinear(config.hidden_size, config.intermediate_size, config.mlp_bias, format, group));
  down_proj = register_module("down_proj", LoraLinear(config.intermediate_size, config.hidden_size, config.mlp_bias, format, group));
}

torch::Tensor LlamaMlpImpl::forward(const torch::Tensor& x) {
  return down_proj(torch::silu(gate_proj(x)) * up_proj(x));
}

MixtralExpertImpl::MixtralExpertImpl(const LlamaConfig& config) {
  auto format = format_of(config);
  auto group = group_of(config);
  w1 = register_module("w1", LoraLinear(config.hidden_size, config.intermediate_size, false, format, group));
  w2 = register_module("w2", LoraLinear(config.intermediate_size, config.hidden_size, false, format, group));
  w3 = register_module("w3", LoraLinear(config.hidden_size, config.intermediate_size, false, format, group));
}

torch::Tensor MixtralExpertImpl::forward(const torch::Tensor& x) {
  return w2(torch::silu(w1(x)) * w3(x));
}

MixtralSparseMoeImpl::MixtralSparseMoeImpl(const LlamaConfig& config) : top_k_(config.num_experts_per_tok) {
  // The router stays dense: it is tiny and routing is sensitive to its precision.
  gate = register_module("gate", LoraLinear(config.hidden_size, config.num_local_experts, false));
  experts = register_module("experts", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_local_experts; ++i) experts->push_back(MixtralExpert(config));
}

torch::Tensor MixtralSparseMoeImpl::forward(const torch::Tensor& x) {
  auto shape = x.sizes().vec();
  auto tokens = x.reshape({-1, x.size(-1)});
  auto router_logits = gate(tokens);
  auto routing = torch::softmax(router_logits, 1, torch::kFloat32);
  auto [weights, selected] = torch::topk(routing, top_k_, -1);
  weights = (weights / weights.sum(-1, true)).to(x.scalar_type());
  auto output = torch::zeros_like(tokens);
  for (std::size_t e = 0; e < experts->size(); ++e) {
    auto hits = torch::nonzero(selected == static_cast<int64_t>(e));  // (n, 2): token, slot
    if (hits.size(0) == 0) continue;
    auto token_index = hits.select(1, 0);
    auto slot = hits.select(1, 1);
    auto expert_out = experts[e]->as<MixtralExpert>()->forward(tokens.index_select(0, token_index));
    auto scale = weights.index({token_index, slot}).unsqueeze(1);
    output = output.index_add(0, token_index, expert_out * scale);
  }
  return output.view(shape);
}

// ---- decoder ----

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const LlamaConfig& config, int64_t layer_index) {
  self_attn = register_module("self_attn", LlamaAttention(config, layer_index));
  if (config.is_moe()) {
    block_sparse_moe = register_module("block_sparse_moe", MixtralSparseMoe(config));
  } else {
    mlp = register_module("mlp", LlamaMlp(config));
  }
  input_layernorm = register_module("input_layernorm", RmsNorm(config.hidden_size, config.rms_norm_eps));
  post_attention_layernorm = register_module("post_attention_layernorm", RmsNorm(config.hidden_size, config.rms_norm_eps));
}

torch::Tensor LlamaDecoderLayerImpl::forward(const torch::Tensor& hidden, const torch::Tensor& cos,
                                             const torch::Tensor& sin, const torch::Tensor& mask,
                                             KvCache* cache) {
  const bool drop = hidden_dropout > 0.0 && is_training();
  auto attended = self_attn(input_layernorm(hidden), cos, sin, mask, cache);
  if (drop) attended = torch::dropout(attended, hidden_dropout, /*train=*/true);
  auto h = hidden + attended;
  auto normed = post_attention_layernorm(h);
  auto mixed = mlp.is_empty() ? block_sparse_moe(normed) : mlp(normed);
  if (drop) mixed = torch::dropout(mixed, hidden_dropout, /*train=*/true);
  return h + mixed;
}

LlamaBackboneImpl::LlamaBackboneImpl(const LlamaConfig& config) {
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(config.vocab_size, config.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) layers->push_back(LlamaDecoderLayer(config, i));
  norm = register_module("norm", RmsNorm(config.hidden_size, config.rms_norm_eps));
}

torch::Tensor rope_inverse_frequencies(const LlamaConfig& config) {
  int64_t half = config.head_dim / 2;
  // inv_freq = 1 / theta^(2i / d), computed like transformers (int64 arange -> float).
  auto exponents = torch::arange(0, config.head_dim, 2, torch::kInt64).to(torch::kFloat32) /
                   static_cast<double>(config.head_dim);
  auto inv_freq = 1.0 / torch::pow(torch::tensor(config.rope_theta, torch::kFloat64).to(torch::kFloat32), exponents);
  const RopeScaling& scaling = config.rope_scaling;
  if (scaling.type == "linear") {
    inv_freq = inv_freq / scaling.factor;
  } else if (scaling.type == "llama3") {
    double old_context = static_cast<double>(scaling.original_max_position_embeddings);
    double low_freq_wavelen = old_context / scaling.low_freq_factor;
    double high_freq_wavelen = old_context / scaling.high_freq_factor;
    auto wavelen = 2 * std::numbers::pi / inv_freq;
    auto scaled = torch::where(wavelen > low_freq_wavelen, inv_freq / scaling.factor, inv_freq);
    auto smooth = (old_context / wavelen - scaling.low_freq_factor) /
                  (scaling.high_freq_factor - scaling.low_freq_factor);
    auto smoothed = (1 - smooth) * scaled / scaling.factor + smooth * scaled;
    auto is_medium = torch::logical_not(wavelen < high_freq_wavelen).logical_and(torch::logical_not(wavelen > low_freq_wavelen));
    inv_freq = torch::where(is_medium, smoothed, scaled);
  }
  TORCH_CHECK(inv_freq.size(0) == half);
  return inv_freq;
}

// ---- causal LM ----

LlamaModelImpl::LlamaModelImpl(const LlamaConfig& config) : config_(config) {
  model = register_module("model", LlamaBackbone(config));
  if (!config.tie_word_embeddings) {
    lm_head = register_module("lm_head", LoraLinear(config.hidden_size, config.vocab_size, false,
                                                    format_of(config), group_of(config)));
  }
  inv_freq_ = rope_inverse_frequencies(config);
}

torch::Tensor LlamaModelImpl::hidden_states(const torch::Tensor& input_ids,
                                            const torch::Tensor& attention_mask,
                                            const torch::Tensor& position_ids, KvCache* cache,
                                            const torch::Tensor& segment_ids) {
  if (input_ids.dim() != 2) fail(ErrorCode::kInvalidArgument, "input_ids must be (batch, steps), got {} dims", input_ids.dim());
  int64_t batch = input_ids.size(0);
  int64_t steps = input_ids.size(1);
  int64_t past = cache != nullptr ? cache->length() : 0;
  int64_t total = past + steps;
  if (total > config_.max_position_embeddings) {
    fail(ErrorCode::kInvalidArgument, "sequence of {} tokens exceeds the model context of {} (max_position_embeddings)",
         total, config_.max_position_embeddings);
  }
  if (steps > 0) {
    auto range = torch::stack({input_ids.min(), input_ids.max()}).to(torch::kCPU);
    int64_t lowest = range[0].item<int64_t>();
    int64_t highest = range[1].item<int64_t>();
    if (lowest < 0 || highest >= config_.vocab_size) {
      fail(ErrorCode::kInvalidArgument, "token id {} is outside the vocabulary [0, {})",
           lowest < 0 ? lowest : highest, config_.vocab_size);
    }
  }
  if (attention_mask.defined() && (attention_mask.dim() != 2 || attention_mask.size(0) != batch || attention_mask.size(1) != total)) {
    fail(ErrorCode::kInvalidArgument, "attention_mask must be (batch {}, past + steps {})", batch, total);
  }
  if (segment_ids.defined() && (segment_ids.dim() != 2 || segment_ids.size(0) != batch || segment_ids.size(1) != steps || past != 0)) {
    fail(ErrorCode::kInvalidArgument, "segment_ids must be (batch {}, steps {}) and used without a cache", batch, steps);
  }
  auto device = input_ids.device();
  torch::Tensor positions = position_ids;
  if (!positions.defined()) {
    if (attention_mask.defined()) {
      // transformers: position_ids = cumsum(mask) - 1, with padding positions set to 1.
      auto full = attention_mask.to(torch::kInt64).cumsum(-1) - 1;
      full = full.masked_fill(attention_mask.eq(0), 1);
      positions = full.narrow(1, past, steps);
    } else {
      positions = torch::arange(past, total, torch::TensorOptions().dtype(torch::kInt64).device(device))
                      .unsqueeze(0).expand({batch, steps});
    }
  }
  // The compute dtype is the norms' (the embedding table may be kept in its stored 16-bit form).
  const auto dtype = model->norm->weight.scalar_type();
  auto hidden = model->embed_tokens(input_ids);
  if (hidden.scalar_type() != dtype) hidden = hidden.to(dtype);
  if (embedding_dropout_ > 0.0 && is_training()) hidden = torch::dropout(hidden, embedding_dropout_, /*train=*/true);
  auto freqs = positions.to(torch::kFloat32).unsqueeze(-1) * inv_freq_.to(device).view({1, 1, -1});
  auto embedding = torch::cat({freqs, freqs}, -1);
  auto cos = embedding.cos().to(dtype);
  auto sin = embedding.sin().to(dtype);

  // Additive mask (B, 1, T, S): 0 where allowed, the dtype's lowest value where not. Skipped for
  // a single unpadded step without a sliding window (everything before it is visible).
  torch::Tensor mask;
  bool need_mask = steps > 1 || attention_mask.defined() || segment_ids.defined() ||
                   (config_.sliding_window > 0 && total > config_.sliding_window);
  if (need_mask) {
    auto options = torch::TensorOptions().dtype(torch::kInt64).device(device);
    auto query_index = torch::arange(past, total, options).view({steps, 1});
    auto key_index = torch::arange(0, total, options).view({1, total});
    auto blocked = key_index > query_index;  // (T, S)
    if (config_.sliding_window > 0) {
      blocked = blocked.logical_or(key_index <= query_index - config_.sliding_window);
    }
    blocked = blocked.view({1, 1, steps, total});
    if (attention_mask.defined()) {
      blocked = blocked.logical_or(attention_mask.eq(0).view({batch, 1, 1, total}));
    }
    if (segment_ids.defined()) {  // packing: no attention across examples
      blocked = blocked.logical_or(segment_ids.view({batch, 1, steps, 1}) != segment_ids.view({batch, 1, 1, steps}));
    }
    double lowest = dtype == torch::kFloat32 ? std::numeric_limits<float>::lowest()
                    : dtype == torch::kFloat64 ? std::numeric_limits<double>::lowest()
                    : dtype == torch::kBFloat16 ? -3.3895313892515355e38
                                                : -65504.0;
    mask = torch::zeros(blocked.sizes(), torch::TensorOptions().dtype(dtype).device(device))
               .masked_fill(blocked, lowest);
  }
  for (std::size_t i = 0; i < model->layers->size(); ++i) {
    hidden = model->layers[i]->as<LlamaDecoderLayer>()->forward(hidden, cos, sin, mask, cache);
  }
  if (cache != nullptr) cache->advance(steps);
  return model->norm(hidden);
}

torch::Tensor LlamaModelImpl::logits_from_hidden(const torch::Tensor& hidden) {
  if (lm_head.is_empty()) {
    const torch::Tensor& table = model->embed_tokens->weight;
    // Decoding reads the table through the fused kernel (a BLAS product with one row would pack
    // the whole table first); prefill and training use the matrix product.
    if (fused_linear_applies(hidden, table)) return fused_linear(hidden, table, torch::Tensor(), torch::Tensor());
    if (table.scalar_type() == hidden.scalar_type()) return torch::matmul(hidden, table.t());
    return torch::matmul(hidden, table.to(hidden.scalar_type()).t());
  }
  return lm_head(hidden);
}

torch::Tensor LlamaModelImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                      const torch::Tensor& position_ids, KvCache* cache,
                                      int64_t logits_to_keep, const torch::Tensor& segment_ids) {
  auto hidden = hidden_states(input_ids, attention_mask, position_ids, cache, segment_ids);
  if (logits_to_keep > 0 && logits_to_keep < hidden.size(1)) {
    hidden = hidden.narrow(1, hidden.size(1) - logits_to_keep, logits_to_keep);
  }
  return logits_from_hidden(hidden);
}

void LlamaModelImpl::set_dropout(double hidden, double attention) {
  for (auto [name, value] : {std::pair{"hidden dropout", hidden}, std::pair{"attention dropout", attention}}) {
    if (!(value >= 0.0 && value < 1.0)) fail(ErrorCode::kInvalidArgument, "{} must be in [0, 1), got {}", name, value);
  }
  embedding_dropout_ = hidden;
  for (std::size_t i = 0; i < model->layers->size(); ++i) {
    auto* layer = model->layers[i]->as<LlamaDecoderLayer>();
    layer->hidden_dropout = hidden;
    layer->self_attn->attention_dropout = attention;
  }
}

std::vector<std::pair<std::string, LoraLinear>> LlamaModelImpl::linear_layers() {
  std::vector<std::pair<std::string, LoraLinear>> result;
  for (const auto& item : named_modules()) {
    if (auto linear = std::dynamic_pointer_cast<LoraLinearImpl>(item.value())) {
      result.emplace_back(item.key(), LoraLinear(linear));
    }
  }
  return result;
}

}  // namespace t2sql::nn
