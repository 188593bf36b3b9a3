// The settings of `t2sql train sft`: one struct whose keys carry the names users know from the
// Python stack (transformers TrainingArguments, TRL SFTConfig, PEFT LoraConfig). They come from a
// YAML file and from flags (`--learning_rate 1e-4`, `--lora.r 16`), the flags winning. Defaults are
// the reference pipeline's (docs/train.md lists every key). No LibTorch here.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace t2sql::train {

struct SftLoraSettings {
  int64_t r = 256;
  double alpha = 128.0;
  double dropout = 0.05;
  std::vector<std::string> target_modules = {"q_proj", "k_proj", "v_proj", "o_proj",
                                             "gate_proj", "up_proj", "down_proj"};
};

struct SftConfig {
  // What is trained.
  std::string model;                 // a checkpoint folder, or "scratch" (needs `architecture`)
  // > 0: before training, grow the loaded model by a copy of every n-th layer whose residual
  // outputs are zero (nn/depth_expansion.hpp: same logits, more depth to train). 0: off.
  int64_t block_expansion_every = 0;
  // > 0: before training, widen the loaded model to this hidden size / MLP width / attention head
  // size (nn/width_expansion.hpp: same logits, new units zero on one side). 0: unchanged.
  int64_t expand_hidden_size = 0;
  int64_t expand_intermediate_size = 0;
  int64_t expand_head_dim = 0;
  // true: the loaded model was trained with the tokenizer in its folder; move its embeddings to
  // `tokenizer` (train/vocabulary_transfer.hpp) before training. Full fine-tuning only.
  bool vocabulary_transfer = false;
  nlohmann::json architecture = nlohmann::json::object();  // config.json fields for "scratch"
  std::string tokenizer;             // tokenizer file or folder (default: the model folder)
  std::string chat_template;         // llama3/qwen3/chatml/llama2/mistral/plain ("" : the tokenizer's)
  bool use_lora = true;              // false: full fine-tuning (always false for "scratch")
  SftLoraSettings lora;

  // Data: JSONL from `t2sql data prep`.
  std::string train_file;
  std::string eval_file;             // optional: eval loss and execution accuracy
  int64_t max_seq_length = 3072;
  bool packing = true;
  // Without packing: batch examples of similar length (megabatches of 50 micro-batches sorted by
  // length, as transformers' group_by_length), so little of each batch is padding.
  bool group_by_length = false;
  bool completion_only_loss = true;

  // Optimization.
  double learning_rate = 2e-4;
  double num_train_epochs = 4.0;
  int64_t max_steps = -1;            // > 0 overrides num_train_epochs
  int64_t per_device_train_batch_size = 1;
  int64_t gradient_accumulation_steps = 2;
  std::string lr_scheduler_type = "cosine";
  double warmup_ratio = 0.03;
  double max_grad_norm = 0.3;        // 0: no clipping
  double weight_decay = 0.0;
  // Dropout while training (0: off, the reference pipeline's setting): `hidden_dropout` on the
  // embeddings and every attention / MLP output before its residual add, `attention_dropout` on
  // the attention probabilities. Regularization for full fine-tuning and from-scratch runs.
  double hidden_dropout = 0.0;
  double attention_dropout = 0.0;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_epsilon = 1e-8;
  bool bf16 = false;                 // save the trained weights in bfloat16 (compute stays fp32)
  uint64_t seed = 42;

  // Watching and saving.
  int64_t logging_steps = 10;
  int64_t eval_steps = 0;            // 0: evaluate at the end only
  int64_t eval_exec_examples = 50;   // dev examples generated for execution accuracy (0: none)
  int64_t eval_max_new_tokens = 128;
  std::string spider_dir;            // databases for execution accuracy (default: vendored Spider)
  int64_t save_steps = 500;          // 0: save at the end only
  int64_t save_total_limit = 2;      // checkpoints kept (0: all)
  std::string output_dir = "runs/sft";
  std::string resume_from_checkpoint;  // "" no, "latest" (or "true") or a checkpoint folder
  double max_train_minutes = 0;      // > 0: save and stop after this wall-clock time (resumable)
  int64_t threads = 0;               // LibTorch intra-op threads (0: its default)
  // Where the model trains: "cpu", "cuda" / "cuda:N" (needs a CUDA build of LibTorch), or "auto"
  // (the first GPU when there is one, else the CPU).
  std::string device = "cpu";
  bool progress = true;              // progress bar on stderr (when it is a terminal)
};

// Every key a config accepts, dotted for nested ones ("lora.r", "architecture.hidden_size").
std::vector<std::string> sft_config_keys();

// Sets one key from YAML text ("2e-4", "true", "[q_proj, v_proj]"). Errors (kInvalidArgument) name
// `source`, the key and, for an unknown key, the nearest valid one.
void set_sft_config_value(SftConfig& config, std::string_view key, std::string_view yaml_value,
                          const std::string& source);

// Reads a YAML recipe (a mapping of the keys above; `lora` and `architecture` are mappings).
// Errors name the file, the key and its line.
SftConfig load_sft_config(const std::filesystem::path& path);

// Checks values that do not depend on files (positive sizes, known schedule, ...).
void validate_sft_config(const SftConfig& config);

// Checks the spelling of a `device` value ("cpu", "auto", "cuda", "cuda:N"); whether the device
// exists is known only to LibTorch (train/sft_trainer.cpp).
void validate_device_name(const std::string& device);

// The config as JSON (written next to checkpoints so a run documents itself).
nlohmann::json sft_config_to_json(const SftConfig& config);

}  // namespace t2sql::train
