// LoRA adapters on a LlamaModel, saved and loaded in the PEFT layout so they move between t2sql and
// the Python stack: adapter_config.json + adapter_model.safetensors with keys
// base_model.model.<HF parameter prefix>.lora_A.weight / lora_B.weight.
#pragma once

#include <filesystem>
#include <string>

#include "nn/llama_model.hpp"

namespace t2sql::nn {

// Attaches a fresh adapter to every projection whose own name (the last path component, e.g.
// "q_proj") is in config.target_modules, and freezes all other parameters (requires_grad false)
// as PEFT does. Returns how many layers were adapted; Error(kInvalidArgument) when none matches.
int64_t add_lora_adapters(LlamaModel& model, const LoraConfig& config);

// Folds every adapter into its base weight / takes it back out (see LoraLinear::merge_lora).
void merge_lora_adapters(LlamaModel& model);
void unmerge_lora_adapters(LlamaModel& model);

// Writes `directory`/adapter_config.json and adapter_model.safetensors (F32 or BF16 weights).
void save_lora_adapter(LlamaModel& model, const LoraConfig& config, const std::filesystem::path& directory,
                       const std::string& base_model_name = "", bool bf16 = false);

// Reads a PEFT adapter directory, attaches matching adapters and loads their weights. Errors name
// the file and the key: unsupported PEFT options (rslora, DoRA, biases, modules_to_save), missing
// or unexpected keys, shape mismatches.
LoraConfig load_lora_adapter(LlamaModel& model, const std::filesystem::path& directory);

// Parses adapter_config.json content; "all-linear" expands to the seven projection names.
LoraConfig parse_lora_config(const nlohmann::json& json, const std::string& source);

}  // namespace t2sql::nn
