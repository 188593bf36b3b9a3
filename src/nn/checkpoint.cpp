#include "nn/checkpoint.hpp"

#include <set>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "nn/gemv.hpp"

namespace t2sql::nn {

torch::ScalarType torch_dtype_of(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::kF32: return torch::kFloat32;
    case TensorDtype::kF16: return torch::kFloat16;
    case TensorDtype::kBF16: return torch::kBFloat16;
    case TensorDtype::kI64: return torch::kInt64;
    case TensorDtype::kI32: return torch::kInt32;
    case TensorDtype::kI8: return torch::kInt8;
    case TensorDtype::kU8: return torch::kUInt8;
  }
  return torch::kFloat32;
}

TensorDtype tensor_dtype_of(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return TensorDtype::kF32;
    case torch::kFloat16: return TensorDtype::kF16;
    case torch::kBFloat16: return TensorDtype::kBF16;
    case torch::kInt64: return TensorDtype::kI64;
    case torch::kInt32: return TensorDtype::kI32;
    case torch::kInt8: return TensorDtype::kI8;
    case torch::kUInt8: return TensorDtype::kU8;
    default: fail(ErrorCode::kUnsupported, "no safetensors dtype for torch dtype {}", c10::toString(dtype));
  }
}

std::string config_dtype_name(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::kF16: return "float16";
    case TensorDtype::kBF16: return "bfloat16";
    default: return "float32";
  }
}

torch::Tensor tensor_from_view(const TensorView& view) {
  // from_blob wants a mutable pointer; the tensor is only ever read (copied into parameters).
  return torch::from_blob(const_cast<std::byte*>(view.data), view.entry->shape,
                          torch::TensorOptions().dtype(torch_dtype_of(view.entry->dtype)));
}

namespace {

bool is_floating(torch::ScalarType type) { return c10::isFloatingType(type); }

void copy_into(torch::Tensor& target, const std::string& name, const SafetensorsCheckpoint& checkpoint) {
  auto view = checkpoint.find(name);
  if (!view) fail(ErrorCode::kNotFound, "{}: missing tensor '{}'", checkpoint.description(), name);
  if (view->entry->shape != target.sizes().vec()) {
    fail(ErrorCode::kCorrupt, "{}: tensor '{}' has shape {} but the config implies {}",
         checkpoint.source_of(name), name, fmt::format("[{}]", fmt::join(view->entry->shape, ", ")),
         fmt::format("[{}]", fmt::join(target.sizes().vec(), ", ")));
  }
  if (!interchangeable_dtypes(view->entry->dtype, tensor_dtype_of(target.scalar_type()))) {
    fail(ErrorCode::kCorrupt, "{}: tensor '{}' is stored as {} but {} is expected",
         checkpoint.source_of(name), name, dtype_name(view->entry->dtype),
         c10::toString(target.scalar_type()));
  }
  target.copy_(tensor_from_view(*view));
  checkpoint.release(name);
}

}  // namespace

std::vector<std::string> load_module_tensors(torch::nn::Module& module, const SafetensorsCheckpoint& checkpoint,
                                             const std::string& prefix) {
  torch::NoGradGuard no_grad;
  std::vector<std::string> used;
  for (auto& item : module.named_parameters()) {
    copy_into(item.value(), prefix + item.key(), checkpoint);
    used.push_back(prefix + item.key());
  }
  for (auto& item : module.named_buffers()) {
    copy_into(item.value(), prefix + item.key(), checkpoint);
    used.push_back(prefix + item.key());
  }
  return used;
}

LlamaModel load_llama_model(const std::filesystem::path& directory, const LoadOptions& options) {
  LlamaConfig config = load_llama_config(directory);
  auto checkpoint = SafetensorsCheckpoint::open(directory);
  LlamaModel model(config);
  // 16-bit weights kept as stored take the stored dtype before they are filled.
  std::set<const void*> kept;
  if (options.keep_16bit_weights && options.dtype == torch::kFloat32 && options.device.is_cpu() &&
      fused_kernels_available()) {
    auto keep = [&](torch::Tensor& weight, const std::string& name) {
      auto view = checkpoint.find(name);
      if (!weight.defined() || !view) return;  // a missing tensor is reported by the load below
      const auto type = torch_dtype_of(view->entry->dtype);
      if (type != torch::kBFloat16 && type != torch::kHalf) return;
      weight.set_data(torch::empty(weight.sizes(), weight.options().dtype(type)));
      kept.insert(weight.unsafeGetTensorImpl());
    };
    for (auto& [name, linear] : model->linear_layers()) {
      if (linear->format() == WeightFormat::kDense) keep(linear->weight, name + ".weight");
    }
    keep(model->model->embed_tokens->weight, "model.embed_tokens.weight");
  }
  auto used = load_module_tensors(*model, checkpoint);
  std::set<std::string> expected(used.begin(), used.end());
  for (const auto& name : checkpoint.names()) {
    if (expected.count(name)) continue;
    // Tolerated leftovers: old checkpoints store rotary inv_freq, tied ones sometimes lm_head.
    if (name.ends_with("rotary_emb.inv_freq")) continue;
    if (name == "lm_head.weight" && config.tie_word_embeddings) continue;
    fail(ErrorCode::kCorrupt, "{}: unexpected tensor '{}' for {} (wrong architecture or config?)",
         checkpoint.source_of(name), name, architecture_name(config.architecture));
  }
  // Floating parameters to the compute dtype, except those kept; quantized codes keep their type.
  for (auto& item : model->named_parameters()) {
    if (kept.count(item.value().unsafeGetTensorImpl())) continue;
    if (is_floating(item.value().scalar_type())) item.value().set_data(item.value().to(options.dtype));
  }
  for (auto& item : model->named_buffers()) {
    if (is_floating(item.value().scalar_type())) item.value().set_data(item.value().to(options.dtype));
  }
  model->to(options.device);
  model->eval();
  return model;
}

void TensorWriteList::add(const std::string& name, const torch::Tensor& tensor, TensorDtype dtype) {
  auto cpu = tensor.detach().to(torch::kCPU);
  if (is_floating(cpu.scalar_type())) cpu = cpu.to(torch_dtype_of(dtype));
  cpu = cpu.contiguous();
  storage_.push_back(cpu);
  TensorToWrite item;
  item.name = name;
  item.dtype = tensor_dtype_of(cpu.scalar_type());
  item.shape = cpu.sizes().vec();
  item.bytes = std::string_view(static_cast<const char*>(cpu.data_ptr()), cpu.nbytes());
  items_.push_back(std::move(item));
}

void save_llama_model(LlamaModel& model, const std::filesystem::path& directory, TensorDtype dtype,
                      uint64_t max_shard_bytes) {
  if (dtype != TensorDtype::kF32 && dtype != TensorDtype::kBF16 && dtype != TensorDtype::kF16) {
    fail(ErrorCode::kInvalidArgument, "checkpoints are saved as F32, BF16 or F16, not {}", dtype_name(dtype));
  }
  TensorWriteList tensors;
  for (const auto& item : model->named_parameters()) {
    if (item.key().find(".lora_") != std::string::npos) continue;
    tensors.add(item.key(), item.value(), dtype);
  }
  for (const auto& item : model->named_buffers()) tensors.add(item.key(), item.value(), dtype);
  LlamaConfig config = model->config();
  config.torch_dtype = config_dtype_name(dtype);
  std::filesystem::create_directories(directory);
  write_file_atomic(directory / "config.json", llama_config_to_json(config).dump(2) + "\n");
  write_safetensors_checkpoint(directory, tensors.items(), max_shard_bytes, {{"format", "pt"}});
}

int copy_model_files(const std::filesystem::path& source, const std::filesystem::path& destination,
                     std::span<const char* const> names) {
  int copied = 0;
  for (const char* name : names) {
    const std::filesystem::path from = source / name;
    if (!std::filesystem::is_regular_file(from)) continue;
    std::error_code ec;
    std::filesystem::copy_file(from, destination / name, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) fail(ErrorCode::kIo, "cannot copy {} into {}: {}", from.string(), destination.string(), ec.message());
    ++copied;
  }
  return copied;
}

}  // namespace t2sql::nn
