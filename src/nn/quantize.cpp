#include "nn/quantize.hpp"

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "nn/checkpoint.hpp"

namespace t2sql::nn {

std::pair<torch::Tensor, torch::Tensor> quantize_q8(const torch::Tensor& weight) {
  auto w = weight.detach().to(torch::kFloat32);
  auto scales = w.abs().amax(1) / 127.0;
  auto safe = torch::where(scales > 0, scales, torch::ones_like(scales));
  auto codes = torch::round(w / safe.unsqueeze(1)).clamp(-127, 127).to(torch::kInt8);
  return {codes, scales};
}

std::pair<torch::Tensor, torch::Tensor> quantize_q4(const torch::Tensor& weight, int64_t group_size) {
  int64_t rows = weight.size(0);
  int64_t columns = weight.size(1);
  if (group_size <= 0 || group_size % 2 != 0 || columns % group_size != 0) {
    fail(ErrorCode::kInvalidArgument, "q4 group size {} must be even and divide the input width {}", group_size, columns);
  }
  auto groups = weight.detach().to(torch::kFloat32).view({rows, columns / group_size, group_size});
  auto scales = groups.abs().amax(-1) / 7.0;  // (rows, groups)
  auto safe = torch::where(scales > 0, scales, torch::ones_like(scales));
  auto codes = (torch::round(groups / safe.unsqueeze(-1)).clamp(-7, 7) + 8).to(torch::kUInt8).view({rows, columns});
  auto pairs = codes.view({rows, columns / 2, 2});
  auto packed = torch::bitwise_or(pairs.select(2, 0), torch::bitwise_left_shift(pairs.select(2, 1), 4));
  return {packed.contiguous(), scales};
}

QuantizeReport quantize_checkpoint(const std::filesystem::path& input, const std::filesystem::path& output,
                                   const std::string& type, int64_t group_size) {
  if (type != "q8" && type != "q4") fail(ErrorCode::kInvalidArgument, "quantization type must be q8 or q4, got '{}'", type);
  if (type == "q4" && group_size != 16 && group_size != 32 && group_size != 64 && group_size != 128) {
    fail(ErrorCode::kInvalidArgument, "q4 group size must be 16, 32, 64 or 128, got {}", group_size);
  }
  LlamaConfig config = load_llama_config(input);
  if (config.quantization) fail(ErrorCode::kInvalidArgument, "{}: checkpoint is already quantized ({})", input.string(), config.quantization->type);
  if (type == "q4") {
    for (auto [name, width] : {std::pair{"hidden_size", config.hidden_size},
                               std::pair{"intermediate_size", config.intermediate_size},
                               std::pair{"num_attention_heads * head_dim", config.num_attention_heads * config.head_dim}}) {
      if (width % group_size != 0) {
        fail(ErrorCode::kUnsupported, "{}: {} = {} is not a multiple of the q4 group size {}", input.string(), name, width, group_size);
      }
    }
  }
  TensorDtype storage = config.torch_dtype == "bfloat16" ? TensorDtype::kBF16
                        : config.torch_dtype == "float16" ? TensorDtype::kF16
                                                          : TensorDtype::kF32;
  auto dense = load_llama_model(input);
  QuantizeReport report;
  for (const auto& item : dense->named_parameters()) report.input_bytes += item.value().numel() * dtype_size(storage);

  LlamaConfig quantized_config = config;
  quantized_config.quantization = QuantizationConfig{type, type == "q4" ? group_size : 0};
  LlamaModel quantized(quantized_config);
  torch::NoGradGuard no_grad;
  auto dense_parameters = dense->named_parameters();
  for (auto& item : quantized->named_parameters()) item.value().copy_(dense_parameters[item.key()]);
  auto dense_layers = dense->linear_layers();
  std::map<std::string, LoraLinear> by_name(dense_layers.begin(), dense_layers.end());
  for (auto& [name, layer] : quantized->linear_layers()) {
    if (layer->format() == WeightFormat::kDense) continue;
    auto weight = by_name.at(name)->weight;
    auto [codes, scales] = type == "q8" ? quantize_q8(weight) : quantize_q4(weight, group_size);
    layer->qweight.copy_(codes);
    layer->scales.copy_(scales);
    ++report.quantized_layers;
  }

  TensorWriteList tensors;
  for (const auto& item : quantized->named_parameters()) tensors.add(item.key(), item.value(), storage);
  // Scales stay fp32 whatever the storage dtype: they set the error of a whole row or group.
  for (const auto& item : quantized->named_buffers()) tensors.add(item.key(), item.value(), TensorDtype::kF32);
  for (const auto& tensor : tensors.items()) report.output_bytes += tensor.bytes.size();
  std::filesystem::create_directories(output);
  write_file_atomic(output / "config.json", llama_config_to_json(quantized_config).dump(2) + "\n");
  write_safetensors_checkpoint(output, tensors.items(), 5'000'000'000ULL, {{"format", "pt"}, {"quantization", type}});
  // The quantized folder is a model on its own: same tokenizer and prompt settings as its input.
  report.copied_files = copy_model_files(input, output, kTokenizerFiles) + copy_model_files(input, output, kModelSettingFiles);
  return report;
}

}  // namespace t2sql::nn
