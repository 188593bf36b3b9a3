// Weight-only quantization of the linear layers (attention and MLP / expert projections and an
// untied lm_head; embeddings, norms, biases and MoE routers stay in floating point).
//   q8: int8 per output channel, symmetric: scale = max|w_row| / 127, w ~ q * scale.
//   q4: 4-bit group-wise along the input dimension, symmetric: scale = max|w_group| / 7,
//       codes q + 8 in [1, 15] packed two per byte (low nibble = even column).
// The stored format is described in docs/formats.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

#include "nn/llama_model.hpp"

namespace t2sql::nn {

// weight (out, in) floating -> (int8 codes (out, in), float32 scales (out)).
std::pair<torch::Tensor, torch::Tensor> quantize_q8(const torch::Tensor& weight);
// weight (out, in) floating, in % group_size == 0, group_size even -> (uint8 packed (out, in / 2),
// float32 scales (out, in / group_size)).
std::pair<torch::Tensor, torch::Tensor> quantize_q4(const torch::Tensor& weight, int64_t group_size);

struct QuantizeReport {
  int64_t quantized_layers = 0;
  uint64_t input_bytes = 0;   // tensor bytes of the input checkpoint
  uint64_t output_bytes = 0;  // tensor bytes of the quantized checkpoint
  int copied_files = 0;       // tokenizer and settings files taken along (kTokenizerFiles, kModelSettingFiles)
};

// Reads the checkpoint in `input`, quantizes its linear layers as `type` ("q8" or "q4"; q4 takes
// group_size 32 or 64) and writes config.json (with quantization_config) + model.safetensors to
// `output`, with the input's tokenizer and settings files (copy_model_files). Non-quantized
// tensors keep the input's storage dtype. Errors: an already quantized
// input, an unknown type, a group size that does not divide a layer's input width.
QuantizeReport quantize_checkpoint(const std::filesystem::path& input, const std::filesystem::path& output,
                                   const std::string& type, int64_t group_size = 32);

}  // namespace t2sql::nn
