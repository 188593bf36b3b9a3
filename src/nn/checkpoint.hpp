// Loading and saving Llama-family checkpoints in the Hugging Face layout: config.json +
// model.safetensors (or shards + model.safetensors.index.json). Also the bridge between mapped
// safetensors views and torch tensors, shared by the LoRA and quantization code.
#pragma once

#include <torch/torch.h>

#include <array>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "nn/llama_model.hpp"
#include "nn/safetensors.hpp"

namespace t2sql::nn {

struct LoadOptions {
  // Compute dtype of the floating-point parameters (weights stored as F32/F16/BF16 are converted).
  torch::ScalarType dtype = torch::kFloat32;
  torch::Device device = torch::kCPU;
  // Inference: the linear layers' and the embedding table's weights stored as BF16 or F16 stay in
  // that form (half the memory of float32) and the fused kernels of nn/gemv.hpp read them during
  // decoding; the rest is converted to `dtype`. Applies only to a float32 CPU model on a CPU with
  // those kernels (AVX-512); elsewhere every weight is converted as usual.
  bool keep_16bit_weights = false;
};

// Builds the model for `directory`/config.json and fills every parameter and buffer from the
// checkpoint. Errors: a missing tensor, a shape mismatch, an integer/float dtype mismatch, or an
// unexpected tensor (a sign of the wrong architecture) name the tensor and the file.
LlamaModel load_llama_model(const std::filesystem::path& directory, const LoadOptions& options = {});

// Fills `module`'s named parameters and buffers (names prefixed by `prefix`) from `checkpoint`.
// Returns the checkpoint names that were used.
std::vector<std::string> load_module_tensors(torch::nn::Module& module, const SafetensorsCheckpoint& checkpoint,
                                             const std::string& prefix = "");

// Writes config.json + model.safetensors (sharded above `max_shard_bytes`). Floating-point
// tensors are stored as `dtype` (F32, BF16 or F16); config torch_dtype follows. LoRA adapters are
// not part of the base checkpoint (see lora.hpp).
void save_llama_model(LlamaModel& model, const std::filesystem::path& directory,
                      TensorDtype dtype = TensorDtype::kF32,
                      uint64_t max_shard_bytes = 5'000'000'000ULL);

// Files a model folder carries beside config.json and the weights. A checkpoint derived from a
// model (quantized, fine-tuned) takes them along, so that it stays usable as it is: the same
// tokenizer, generation defaults and t2sql prompt settings (inference.yaml: how its prompts are
// written).
inline constexpr std::array<const char*, 4> kTokenizerFiles = {"tokenizer.json", "tokenizer.model",
                                                               "tokenizer_config.json", "special_tokens_map.json"};
inline constexpr const char* kInferenceSettingsFile = "inference.yaml";
inline constexpr std::array<const char*, 2> kModelSettingFiles = {"generation_config.json", kInferenceSettingsFile};

// Copies those of `names` that exist in `source` into `destination` (overwriting). Returns how
// many were copied; throws Error(kIo) naming the file when a copy fails.
int copy_model_files(const std::filesystem::path& source, const std::filesystem::path& destination,
                     std::span<const char* const> names);

// A view of a mapped tensor as a torch tensor (no copy; valid while the file is open).
torch::Tensor tensor_from_view(const TensorView& view);
torch::ScalarType torch_dtype_of(TensorDtype dtype);
TensorDtype tensor_dtype_of(torch::ScalarType dtype);
// "float32" / "bfloat16" / "float16" (config.json spelling) <-> TensorDtype.
std::string config_dtype_name(TensorDtype dtype);

// Tensors to write, owning contiguous CPU copies so the byte views stay valid.
class TensorWriteList {
 public:
  // Adds `tensor` converted to `dtype` (floating tensors only are converted).
  void add(const std::string& name, const torch::Tensor& tensor, TensorDtype dtype);
  const std::vector<TensorToWrite>& items() const { return items_; }

 private:
  std::vector<torch::Tensor> storage_;
  std::vector<TensorToWrite> items_;
};

}  // namespace t2sql::nn
