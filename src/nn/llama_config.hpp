// config.json of a Hugging Face Llama-family checkpoint (Llama, Qwen2, Mistral, Mixtral), parsed
// into one struct. Defaults follow the transformers configuration classes of each architecture.
// No LibTorch here.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace t2sql::nn {

enum class Architecture { kLlama, kQwen2, kMistral, kMixtral };

// "LlamaForCausalLM", ...
std::string_view architecture_name(Architecture architecture);

// rope_scaling: "default" (none), "linear" (positions divided by factor) or "llama3" (Llama 3.1
// frequency-dependent scaling).
struct RopeScaling {
  std::string type = "default";
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

// Weight-only quantization of the linear layers (see docs/formats.md).
struct QuantizationConfig {
  std::string type;  // "q8" (int8 per output channel) or "q4" (4-bit, group-wise)
  int64_t group_size = 0;  // q4 only: 32 or 64
};

struct LlamaConfig {
  Architecture architecture = Architecture::kLlama;
  int64_t vocab_size = 32000;
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 11008;
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t num_key_value_heads = 32;
  int64_t head_dim = 128;  // hidden_size / num_attention_heads unless given
  int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;  // q/k/v projections carry a bias (Qwen2; Llama attention_bias)
  bool o_bias = false;    // o_proj carries a bias (Llama attention_bias)
  bool mlp_bias = false;  // gate/up/down carry a bias (Llama mlp_bias)
  int64_t sliding_window = 0;  // 0: full causal attention
  int64_t num_local_experts = 0;  // 0: dense MLP; Mixtral: experts per layer
  int64_t num_experts_per_tok = 2;
  std::string torch_dtype = "float32";
  std::vector<int64_t> bos_token_ids;
  std::vector<int64_t> eos_token_ids;
  std::optional<QuantizationConfig> quantization;
  nlohmann::json original = nlohmann::json::object();  // the parsed file, kept for round trips

  bool is_moe() const { return num_local_experts > 0; }
  // Parameters of the model (embedding + layers + norm + untied head), as stored at full precision.
  int64_t parameter_count() const;
};

// Parses and validates a config object; errors name `source` and the field.
LlamaConfig parse_llama_config(const nlohmann::json& json, const std::string& source);
// Reads `directory`/config.json.
LlamaConfig load_llama_config(const std::filesystem::path& directory);
// The config as config.json content (the original object with every known field rewritten).
nlohmann::json llama_config_to_json(const LlamaConfig& config);

}  // namespace t2sql::nn
