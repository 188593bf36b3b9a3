#include "nn/llama_config.hpp"

#include "common/error.hpp"
#include "common/file_io.hpp"

namespace t2sql::nn {

std::string_view architecture_name(Architecture architecture) {
  switch (architecture) {
    case Architecture::kLlama: return "LlamaForCausalLM";
    case Architecture::kQwen2: return "Qwen2ForCausalLM";
    case Architecture::kMistral: return "MistralForCausalLM";
    case Architecture::kMixtral: return "MixtralForCausalLM";
  }
  return "?";
}

namespace {

std::string_view model_type_of(Architecture architecture) {
  switch (architecture) {
    case Architecture::kLlama: return "llama";
    case Architecture::kQwen2: return "qwen2";
    case Architecture::kMistral: return "mistral";
    case Architecture::kMixtral: return "mixtral";
  }
  return "?";
}

// Reads an optional integer field; absent or null keeps `fallback`.
int64_t get_int(const nlohmann::json& json, const char* field, int64_t fallback,
                const std::string& source, int64_t minimum = 0) {
  auto it = json.find(field);
  if (it == json.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) fail(ErrorCode::kParse, "{}: field '{}' must be an integer", source, field);
  int64_t value = it->get<int64_t>();
  if (value < minimum) fail(ErrorCode::kParse, "{}: field '{}' must be >= {}, got {}", source, field, minimum, value);
  return value;
}

double get_double(const nlohmann::json& json, const char* field, double fallback,
                  const std::string& source) {
  auto it = json.find(field);
  if (it == json.end() || it->is_null()) return fallback;
  if (!it->is_number()) fail(ErrorCode::kParse, "{}: field '{}' must be a number", source, field);
  return it->get<double>();
}

bool get_bool(const nlohmann::json& json, const char* field, bool fallback, const std::string& source) {
  auto it = json.find(field);
  if (it == json.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail(ErrorCode::kParse, "{}: field '{}' must be true or false", source, field);
  return it->get<bool>();
}

// bos/eos ids: an integer or a list of integers.
std::vector<int64_t> get_ids(const nlohmann::json& json, const char* field, const std::string& source) {
  auto it = json.find(field);
  if (it == json.end() || it->is_null()) return {};
  if (it->is_number_integer()) return {it->get<int64_t>()};
  std::vector<int64_t> ids;
  if (it->is_array()) {
    for (const auto& id : *it) {
      if (!id.is_number_integer()) break;
      ids.push_back(id.get<int64_t>());
    }
    if (ids.size() == it->size()) return ids;
  }
  fail(ErrorCode::kParse, "{}: field '{}' must be a token id or a list of token ids", source, field);
}

}  // namespace

int64_t LlamaConfig::parameter_count() const {
  int64_t attention = hidden_size * num_attention_heads * head_dim * 2 +
                      hidden_size * num_key_value_heads * head_dim * 2;
  int64_t mlp = 3 * hidden_size * intermediate_size;
  if (is_moe()) mlp = mlp * num_local_experts + hidden_size * num_local_experts;
  int64_t layer = attention + mlp + 2 * hidden_size;
  int64_t embedding = vocab_size * hidden_size;
  return embedding * (tie_word_embeddings ? 1 : 2) + layer * num_hidden_layers + hidden_size;
}

LlamaConfig parse_llama_config(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) fail(ErrorCode::kParse, "{}: config is not a JSON object", source);
  LlamaConfig config;
  config.original = json;
  std::string architecture;
  if (auto it = json.find("architectures"); it != json.end() && it->is_array() && !it->empty() &&
                                            (*it)[0].is_string()) {
    architecture = (*it)[0].get<std::string>();
  } else if (auto type = json.find("model_type"); type != json.end() && type->is_string()) {
    std::string model_type = type->get<std::string>();
    for (Architecture candidate : {Architecture::kLlama, Architecture::kQwen2,
                                   Architecture::kMistral, Architecture::kMixtral}) {
      if (model_type_of(candidate) == model_type) architecture = architecture_name(candidate);
    }
    if (architecture.empty()) {
      fail(ErrorCode::kUnsupported, "{}: unknown model_type '{}' (llama, qwen2, mistral, mixtral)",
           source, model_type);
    }
  } else {
    fail(ErrorCode::kParse, "{}: neither 'architectures' nor 'model_type' is given", source);
  }
  bool known = false;
  for (Architecture candidate : {Architecture::kLlama, Architecture::kQwen2, Architecture::kMistral,
                                 Architecture::kMixtral}) {
    if (architecture_name(candidate) == architecture) {
      config.architecture = candidate;
      known = true;
    }
  }
  if (!known) {
    fail(ErrorCode::kUnsupported,
         "{}: unsupported architecture '{}' (LlamaForCausalLM, Qwen2ForCausalLM, "
         "MistralForCausalLM, MixtralForCausalLM)",
         source, architecture);
  }
  Architecture arch = config.architecture;
  // Defaults of each transformers configuration class.
  int64_t default_vocab = arch == Architecture::kQwen2 ? 151936 : 32000;
  int64_t default_intermediate = arch == Architecture::kLlama ? 11008 : arch == Architecture::kQwen2 ? 22016 : 14336;
  int64_t default_positions = arch == Architecture::kLlama ? 2048 : arch == Architecture::kQwen2 ? 32768 : 4096 * 32;
  double default_eps = arch == Architecture::kLlama || arch == Architecture::kQwen2 ? 1e-6 : 1e-5;
  double default_theta = arch == Architecture::kMixtral ? 1e6 : 10000.0;

  config.vocab_size = get_int(json, "vocab_size", default_vocab, source, 1);
  config.hidden_size = get_int(json, "hidden_size", 4096, source, 1);
  config.intermediate_size = get_int(json, "intermediate_size", default_intermediate, source, 1);
  config.num_hidden_layers = get_int(json, "num_hidden_layers", 32, source, 1);
  config.num_attention_heads = get_int(json, "num_attention_heads", 32, source, 1);
  config.num_key_value_heads =
      get_int(json, "num_key_value_heads", arch == Architecture::kLlama ? config.num_attention_heads : 8, source, 1);
  if (arch == Architecture::kQwen2 && !json.contains("num_key_value_heads")) config.num_key_value_heads = 32;
  if (config.num_attention_heads % config.num_key_value_heads != 0) {
    fail(ErrorCode::kParse, "{}: num_attention_heads {} is not a multiple of num_key_value_heads {}",
         source, config.num_attention_heads, config.num_key_value_heads);
  }
  if (!json.contains("head_dim") && config.hidden_size % config.num_attention_heads != 0) {
    fail(ErrorCode::kParse, "{}: hidden_size {} is not a multiple of num_attention_heads {}", source,
         config.hidden_size, config.num_attention_heads);
  }
  config.head_dim = get_int(json, "head_dim", config.hidden_size / config.num_attention_heads, source, 2);
  if (config.head_dim % 2 != 0) fail(ErrorCode::kParse, "{}: head_dim {} must be even for RoPE", source, config.head_dim);
  config.max_position_embeddings = get_int(json, "max_position_embeddings", default_positions, source, 1);
  config.rms_norm_eps = get_double(json, "rms_norm_eps", default_eps, source);
  config.rope_theta = get_double(json, "rope_theta", default_theta, source);
  config.tie_word_embeddings = get_bool(json, "tie_word_embeddings", false, source);
  if (arch == Architecture::kQwen2) {
    config.qkv_bias = true;
    if (get_bool(json, "use_sliding_window", false, source)) {
      config.sliding_window = get_int(json, "sliding_window", 0, source);
    }
  } else if (arch == Architecture::kLlama) {
    config.qkv_bias = config.o_bias = get_bool(json, "attention_bias", false, source);
    config.mlp_bias = get_bool(json, "mlp_bias", false, source);
  } else {
    config.sliding_window = get_int(json, "sliding_window", 0, source);
  }
  if (arch == Architecture::kMixtral) {
    config.num_local_experts = get_int(json, "num_local_experts", 8, source, 1);
    config.num_experts_per_tok = get_int(json, "num_experts_per_tok", 2, source, 1);
    if (config.num_experts_per_tok > config.num_local_experts) {
      fail(ErrorCode::kParse, "{}: num_experts_per_tok {} exceeds num_local_experts {}", source,
           config.num_experts_per_tok, config.num_local_experts);
    }
  }
  if (auto it = json.find("rope_scaling"); it != json.end() && !it->is_null()) {
    if (!it->is_object()) fail(ErrorCode::kParse, "{}: field 'rope_scaling' must be an object", source);
    std::string type;
    if (auto t = it->find("rope_type"); t != it->end() && t->is_string()) type = t->get<std::string>();
    else if (auto t2 = it->find("type"); t2 != it->end() && t2->is_string()) type = t2->get<std::string>();
    else fail(ErrorCode::kParse, "{}: rope_scaling has no 'rope_type'", source);
    if (type != "default" && type != "linear" && type != "llama3") {
      fail(ErrorCode::kUnsupported, "{}: unsupported rope_scaling type '{}' (default, linear, llama3)",
           source, type);
    }
    config.rope_scaling.type = type;
    config.rope_scaling.factor = get_double(*it, "factor", 1.0, source);
    if (type != "default" && config.rope_scaling.factor <= 0) {
      fail(ErrorCode::kParse, "{}: rope_scaling.factor must be positive", source);
    }
    if (type == "llama3") {
      config.rope_scaling.low_freq_factor = get_double(*it, "low_freq_factor", 1.0, source);
      config.rope_scaling.high_freq_factor = get_double(*it, "high_freq_factor", 4.0, source);
      config.rope_scaling.original_max_position_embeddings =
          get_int(*it, "original_max_position_embeddings", 8192, source, 1);
      if (config.rope_scaling.high_freq_factor <= config.rope_scaling.low_freq_factor) {
        fail(ErrorCode::kParse, "{}: rope_scaling.high_freq_factor must exceed low_freq_factor", source);
      }
    }
  }
  if (auto it = json.find("torch_dtype"); it != json.end() && it->is_string()) {
    config.torch_dtype = it->get<std::string>();
  }
  config.bos_token_ids = get_ids(json, "bos_token_id", source);
  config.eos_token_ids = get_ids(json, "eos_token_id", source);
  if (auto it = json.find("quantization_config"); it != json.end() && !it->is_null()) {
    std::string method = it->value("quant_method", "");
    if (method != "t2sql") {
      fail(ErrorCode::kUnsupported, "{}: quantization method '{}' is not supported (t2sql q8/q4 only)",
           source, method);
    }
    QuantizationConfig quantization;
    quantization.type = it->value("type", "");
    quantization.group_size = get_int(*it, "group_size", 0, source);
    if (quantization.type != "q8" && quantization.type != "q4") {
      fail(ErrorCode::kParse, "{}: quantization_config.type must be q8 or q4", source);
    }
    config.quantization = quantization;
  }
  return config;
}

LlamaConfig load_llama_config(const std::filesystem::path& directory) {
  auto path = directory / "config.json";
  return parse_llama_config(load_json_file(path), path.string());
}

nlohmann::json llama_config_to_json(const LlamaConfig& config) {
  nlohmann::json json = config.original.is_object() ? config.original : nlohmann::json::object();
  json["architectures"] = {architecture_name(config.architecture)};
  json["model_type"] = model_type_of(config.architecture);
  json["vocab_size"] = config.vocab_size;
  json["hidden_size"] = config.hidden_size;
  json["intermediate_size"] = config.intermediate_size;
  json["num_hidden_layers"] = config.num_hidden_layers;
  json["num_attention_heads"] = config.num_attention_heads;
  json["num_key_value_heads"] = config.num_key_value_heads;
  json["head_dim"] = config.head_dim;
  json["max_position_embeddings"] = config.max_position_embeddings;
  json["rms_norm_eps"] = config.rms_norm_eps;
  json["rope_theta"] = config.rope_theta;
  json["tie_word_embeddings"] = config.tie_word_embeddings;
  json["torch_dtype"] = config.torch_dtype;
  if (config.rope_scaling.type == "default") {
    json.erase("rope_scaling");
  } else {
    nlohmann::json scaling = {{"rope_type", config.rope_scaling.type}, {"factor", config.rope_scaling.factor}};
    if (config.rope_scaling.type == "llama3") {
      scaling["low_freq_factor"] = config.rope_scaling.low_freq_factor;
      scaling["high_freq_factor"] = config.rope_scaling.high_freq_factor;
      scaling["original_max_position_embeddings"] = config.rope_scaling.original_max_position_embeddings;
    }
    json["rope_scaling"] = scaling;
  }
  if (config.architecture == Architecture::kLlama) {
    json["attention_bias"] = config.qkv_bias;
    json["mlp_bias"] = config.mlp_bias;
  }
  if (config.is_moe()) {
    json["num_local_experts"] = config.num_local_experts;
    json["num_experts_per_tok"] = config.num_experts_per_tok;
  }
  if (config.quantization) {
    nlohmann::json quantization = {{"quant_method", "t2sql"}, {"type", config.quantization->type}};
    if (config.quantization->group_size > 0) quantization["group_size"] = config.quantization->group_size;
    json["quantization_config"] = quantization;
  } else {
    json.erase("quantization_config");
  }
  return json;
}

}  // namespace t2sql::nn
