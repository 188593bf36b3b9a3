#include "nn/lora.hpp"

#include <algorithm>
#include <set>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "nn/checkpoint.hpp"

namespace t2sql::nn {

namespace {

const std::vector<std::string> kAllLinear = {"q_proj", "k_proj", "v_proj", "o_proj",
                                             "gate_proj", "up_proj", "down_proj"};
constexpr const char* kPeftPrefix = "base_model.model.";

std::string leaf_name(const std::string& path) {
  auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

}  // namespace

int64_t add_lora_adapters(LlamaModel& model, const LoraConfig& config) {
  std::set<std::string> targets(config.target_modules.begin(), config.target_modules.end());
  for (auto& parameter : model->parameters()) parameter.set_requires_grad(false);
  int64_t adapted = 0;
  for (auto& [name, layer] : model->linear_layers()) {
    if (name == "lm_head" || name.ends_with(".gate")) continue;  // heads and routers stay out
    if (!targets.count(leaf_name(name))) continue;
    layer->attach_lora(config.r, config.alpha, config.dropout);
    ++adapted;
  }
  if (adapted == 0) {
    fail(ErrorCode::kInvalidArgument, "LoRA target_modules [{}] match no layer of the model",
         fmt::join(config.target_modules, ", "));
  }
  return adapted;
}

void merge_lora_adapters(LlamaModel& model) {
  for (auto& [name, layer] : model->linear_layers()) {
    if (layer->has_lora()) layer->merge_lora();
  }
}

void unmerge_lora_adapters(LlamaModel& model) {
  for (auto& [name, layer] : model->linear_layers()) {
    if (layer->has_lora()) layer->unmerge_lora();
  }
}

LoraConfig parse_lora_config(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) fail(ErrorCode::kParse, "{}: not a JSON object", source);
  if (json.value("peft_type", "LORA") != "LORA") {
    fail(ErrorCode::kUnsupported, "{}: peft_type '{}' is not LORA", source, json.value("peft_type", ""));
  }
  LoraConfig config;
  if (!json.contains("r") || !json["r"].is_number_integer() || json["r"].get<int64_t>() <= 0) {
    fail(ErrorCode::kParse, "{}: field 'r' must be a positive integer", source);
  }
  config.r = json["r"].get<int64_t>();
  if (json.contains("lora_alpha") && !json["lora_alpha"].is_number()) {
    fail(ErrorCode::kParse, "{}: field 'lora_alpha' must be a number", source);
  }
  config.alpha = json.value("lora_alpha", 8.0);
  if (json.contains("lora_dropout") && !json["lora_dropout"].is_number()) {
    fail(ErrorCode::kParse, "{}: field 'lora_dropout' must be a number", source);
  }
  config.dropout = json.value("lora_dropout", 0.0);
  auto targets = json.find("target_modules");
  if (targets == json.end() || targets->is_null()) {
    fail(ErrorCode::kParse, "{}: field 'target_modules' is required", source);
  }
  config.target_modules.clear();
  if (targets->is_string()) {
    if (targets->get<std::string>() != "all-linear") {
      fail(ErrorCode::kUnsupported, "{}: target_modules as a regular expression is not supported", source);
    }
    config.target_modules = kAllLinear;
  } else if (targets->is_array()) {
    for (const auto& target : *targets) {
      if (!target.is_string()) fail(ErrorCode::kParse, "{}: target_modules holds a non-string", source);
      config.target_modules.push_back(target.get<std::string>());
    }
  } else {
    fail(ErrorCode::kParse, "{}: target_modules must be a list of names", source);
  }
  if (json.value("use_rslora", false)) fail(ErrorCode::kUnsupported, "{}: use_rslora is not supported", source);
  if (json.value("use_dora", false)) fail(ErrorCode::kUnsupported, "{}: use_dora is not supported", source);
  if (json.value("bias", "none") != "none") fail(ErrorCode::kUnsupported, "{}: LoRA bias '{}' is not supported", source, json.value("bias", ""));
  if (json.value("fan_in_fan_out", false)) fail(ErrorCode::kUnsupported, "{}: fan_in_fan_out is not supported", source);
  if (auto modules = json.find("modules_to_save"); modules != json.end() && !modules->is_null() && !modules->empty()) {
    fail(ErrorCode::kUnsupported, "{}: modules_to_save is not supported", source);
  }
  for (const char* field : {"rank_pattern", "alpha_pattern"}) {
    if (auto pattern = json.find(field); pattern != json.end() && !pattern->is_null() && !pattern->empty()) {
      fail(ErrorCode::kUnsupported, "{}: {} is not supported", source, field);
    }
  }
  return config;
}

void save_lora_adapter(LlamaModel& model, const LoraConfig& config, const std::filesystem::path& directory,
                       const std::string& base_model_name, bool bf16) {
  TensorWriteList tensors;
  for (const auto& item : model->named_parameters()) {
    if (item.key().find(".lora_") == std::string::npos) continue;
    tensors.add(kPeftPrefix + item.key(), item.value(), bf16 ? TensorDtype::kBF16 : TensorDtype::kF32);
  }
  if (tensors.items().empty()) fail(ErrorCode::kInvalidArgument, "the model has no LoRA adapter to save");
  nlohmann::json json = {
      {"peft_type", "LORA"},
      {"task_type", "CAUSAL_LM"},
      {"r", config.r},
      {"lora_alpha", config.alpha},
      {"lora_dropout", config.dropout},
      {"target_modules", config.target_modules},
      {"bias", "none"},
      {"fan_in_fan_out", false},
      {"use_rslora", false},
      {"use_dora", false},
      {"modules_to_save", nullptr},
      {"init_lora_weights", true},
      {"inference_mode", true},
      {"base_model_name_or_path", base_model_name},
  };
  std::filesystem::create_directories(directory);
  write_file_atomic(directory / "adapter_config.json", json.dump(2) + "\n");
  write_safetensors(directory / "adapter_model.safetensors", tensors.items(), {{"format", "pt"}});
}

LoraConfig load_lora_adapter(LlamaModel& model, const std::filesystem::path& directory) {
  auto config_path = directory / "adapter_config.json";
  LoraConfig config = parse_lora_config(load_json_file(config_path), config_path.string());
  auto weights_path = directory / "adapter_model.safetensors";
  auto file = SafetensorsFile::open(weights_path);
  add_lora_adapters(model, config);
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  for (auto& item : model->named_parameters()) {
    if (item.key().find(".lora_") == std::string::npos) continue;
    std::string key = kPeftPrefix + item.key();
    auto view = file->find(key);
    if (!view) fail(ErrorCode::kNotFound, "{}: missing LoRA tensor '{}'", weights_path.string(), key);
    if (view->entry->shape != item.value().sizes().vec()) {
      fail(ErrorCode::kCorrupt, "{}: LoRA tensor '{}' has shape [{}] but r={} and the model imply [{}]",
           weights_path.string(), key, fmt::join(view->entry->shape, ", "), config.r,
           fmt::join(item.value().sizes().vec(), ", "));
    }
    auto source = tensor_from_view(*view);
    if (!c10::isFloatingType(source.scalar_type())) {
      fail(ErrorCode::kCorrupt, "{}: LoRA tensor '{}' is not floating point", weights_path.string(), key);
    }
    item.value().copy_(source);
    used.insert(key);
  }
  for (const auto& entry : file->header().tensors) {
    if (!used.count(entry.name)) {
      fail(ErrorCode::kCorrupt, "{}: unexpected tensor '{}' (adapter for another model or target set?)",
           weights_path.string(), entry.name);
    }
  }
  return config;
}

}  // namespace t2sql::nn
