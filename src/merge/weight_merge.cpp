#include "merge/weight_merge.hpp"

#include <fmt/format.h>

#include <set>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/progress.hpp"
#include "nn/checkpoint.hpp"
#include "nn/llama_config.hpp"

namespace t2sql::merge {
namespace fs = std::filesystem;
namespace {

// config.json fields that say where a checkpoint came from or how it is stored, not what it is.
const std::set<std::string> kProvenanceKeys = {"torch_dtype", "_name_or_path", "transformers_version"};

struct OpenedModel {
  fs::path path;
  nlohmann::json config;  // config.json without kProvenanceKeys
  nn::SafetensorsCheckpoint checkpoint;
};

OpenedModel open_model(const fs::path& path) {
  if (!fs::is_directory(path)) fail(ErrorCode::kNotFound, "merge input {}: no such checkpoint folder", path.string());
  const nn::LlamaConfig parsed = nn::load_llama_config(path);  // names the field at fault
  if (parsed.quantization) {
    fail(ErrorCode::kUnsupported, "merge input {} is quantized ({}); merge the full-precision checkpoints, then quantize",
         path.string(), parsed.quantization->type);
  }
  nlohmann::json config = parsed.original;
  for (const auto& key : kProvenanceKeys) config.erase(key);
  return {path, std::move(config), nn::SafetensorsCheckpoint::open(path)};
}

// The first config key whose value differs (or that only one side has).
std::string first_difference(const nlohmann::json& a, const nlohmann::json& b) {
  for (const auto& [key, value] : a.items())
    if (!b.contains(key) || b[key] != value) return key;
  for (const auto& [key, value] : b.items())
    if (!a.contains(key)) return key;
  return "";
}

void check_same_architecture(const OpenedModel& first, const OpenedModel& other) {
  if (std::string key = first_difference(first.config, other.config); !key.empty()) {
    auto show = [&](const nlohmann::json& config) { return config.contains(key) ? config[key].dump() : "(absent)"; };
    fail(ErrorCode::kInvalidArgument, "merge inputs {} and {} differ in config.json \"{}\": {} against {}; only one architecture can be merged",
         first.path.string(), other.path.string(), key, show(first.config), show(other.config));
  }
  const auto names = first.checkpoint.names();
  const auto other_names = other.checkpoint.names();
  for (const auto& name : names) {
    if (!other.checkpoint.find(name)) fail(ErrorCode::kInvalidArgument, "merge input {} has no tensor {} (which {} has)", other.path.string(), name, first.path.string());
  }
  for (const auto& name : other_names) {
    if (!first.checkpoint.find(name)) fail(ErrorCode::kInvalidArgument, "merge input {} has a tensor {} that {} lacks", other.path.string(), name, first.path.string());
  }
  for (const auto& name : names) {
    const auto& a = *first.checkpoint.get(name).entry;
    const auto& b = *other.checkpoint.get(name).entry;
    if (a.shape != b.shape) {
      fail(ErrorCode::kInvalidArgument, "merge inputs {} and {}: tensor {} has shape [{}] against [{}]", first.path.string(),
           other.path.string(), name, fmt::join(a.shape, ", "), fmt::join(b.shape, ", "));
    }
    // Storage may differ (F32 against BF16), but floating values never merge with integer ones.
    if (!nn::interchangeable_dtypes(a.dtype, b.dtype)) {
      fail(ErrorCode::kInvalidArgument, "merge inputs {} and {}: tensor {} is stored as {} against {}", first.path.string(),
           other.path.string(), name, nn::dtype_name(a.dtype), nn::dtype_name(b.dtype));
    }
  }
}

// Weights of models with different vocabularies do not line up row for row.
void check_same_tokenizer(const fs::path& first, const fs::path& other) {
  for (const char* name : nn::kTokenizerFiles) {
    const bool in_first = fs::exists(first / name), in_other = fs::exists(other / name);
    if (!in_first && !in_other) continue;
    if (in_first != in_other || read_file(first / name) != read_file(other / name)) {
      fail(ErrorCode::kInvalidArgument, "merge inputs {} and {} have different {}: merged weights need one vocabulary",
           first.string(), other.string(), name);
    }
  }
}

bool same_folder(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

}  // namespace

torch::Tensor linear_combination(const std::vector<torch::Tensor>& tensors, const std::vector<double>& weights,
                                 bool normalize) {
  if (tensors.empty() || tensors.size() != weights.size()) {
    fail(ErrorCode::kInternal, "linear_combination: {} tensors and {} weights", tensors.size(), weights.size());
  }
  double total = 0.0;
  torch::Tensor sum = torch::zeros(tensors[0].sizes(), torch::kFloat32);
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].sizes() != tensors[0].sizes()) fail(ErrorCode::kInternal, "linear_combination: tensor shapes differ");
    sum.add_(tensors[i].to(torch::kFloat32), weights[i]);
    total += weights[i];
  }
  if (normalize) {
    if (total == 0.0) fail(ErrorCode::kInvalidArgument, "the merge weights sum to 0: normalizing would divide by zero (set parameters.normalize: false)");
    sum.div_(total);
  }
  return sum;
}

MergeReport merge_checkpoints(const MergeConfig& config, const fs::path& output, bool progress) {
  if (config.merge_method != "linear") fail(ErrorCode::kUnsupported, "merge_method \"{}\" is not implemented", config.merge_method);
  if (config.models.empty()) fail(ErrorCode::kInvalidArgument, "the merge recipe lists no models");
  std::vector<fs::path> inputs;
  for (const auto& input : config.models) inputs.push_back(input.model);
  if (config.base_model) inputs.push_back(*config.base_model);
  for (const auto& input : inputs) {
    if (same_folder(input, output)) {
      fail(ErrorCode::kInvalidArgument, "the merge output {} is one of its inputs; write it to a new folder", output.string());
    }
  }
  std::vector<OpenedModel> models;
  for (const auto& input : config.models) models.push_back(open_model(input.model));
  const fs::path config_source = config.base_model.value_or(config.models[0].model);
  const fs::path tokenizer_source = config.tokenizer_source.value_or(config_source);
  if (config.base_model) {
    const OpenedModel base = open_model(*config.base_model);
    check_same_architecture(base, models[0]);
    check_same_tokenizer(base.path, models[0].path);
  }
  for (size_t i = 1; i < models.size(); ++i) {
    check_same_architecture(models[0], models[i]);
    check_same_tokenizer(models[0].path, models[i].path);
  }

  std::vector<double> weights;
  for (const auto& input : config.models) weights.push_back(input.weight);
  const std::vector<std::string> names = models[0].checkpoint.names();
  MergeReport report;
  nn::TensorWriteList tensors;
  std::set<nn::TensorDtype> stored_dtypes;
  ProgressBar bar("merge", static_cast<int64_t>(names.size()), progress);
  for (const auto& name : names) {
    const nn::TensorView first = models[0].checkpoint.get(name);
    const nn::TensorDtype dtype = config.out_dtype.value_or(first.entry->dtype);
    const bool floating = nn::is_floating(first.entry->dtype);
    torch::Tensor merged;
    if (floating) {
      std::vector<torch::Tensor> inputs;
      for (const auto& model : models) inputs.push_back(nn::tensor_from_view(model.checkpoint.get(name)));
      merged = linear_combination(inputs, weights, config.normalize);
      if (!torch::isfinite(merged).all().item<bool>()) {
        fail(ErrorCode::kInvalidArgument, "merged tensor {} is not finite (an input holds NaN/inf, or the weights overflow)", name);
      }
    } else {
      // Integer buffers cannot be averaged; they merge only when every model has the same values.
      merged = nn::tensor_from_view(first);
      for (const auto& model : models) {
        if (!torch::equal(nn::tensor_from_view(model.checkpoint.get(name)), merged)) {
          fail(ErrorCode::kUnsupported, "integer tensor {} differs between {} and {}: it cannot be averaged", name,
               models[0].path.string(), model.path.string());
        }
      }
    }
    tensors.add(name, merged, floating ? dtype : first.entry->dtype);
    if (floating) stored_dtypes.insert(dtype);
    for (const auto& model : models) model.checkpoint.release(name);
    report.tensors += 1;
    report.parameters += merged.numel();
    bar.advance();
  }
  bar.finish();

  // config.json goes last: a folder whose write failed part way does not look like a model.
  fs::create_directories(output);
  nlohmann::json out_config = nn::load_llama_config(config_source).original;
  if (stored_dtypes.size() == 1) out_config["torch_dtype"] = nn::config_dtype_name(*stored_dtypes.begin());
  fs::remove(output / "config.json");
  nn::write_safetensors_checkpoint(output, tensors.items(), 5'000'000'000ULL, {{"format", "pt"}, {"merge_method", config.merge_method}});
  for (const auto& item : tensors.items()) report.output_bytes += item.bytes.size();
  report.copied_files = nn::copy_model_files(tokenizer_source, output, nn::kTokenizerFiles) +
                        nn::copy_model_files(tokenizer_source, output, nn::kModelSettingFiles);
  // The recipe travels with the model, like mergekit's mergekit_config.yml.
  write_file_atomic(output / "merge_config.yaml", config.text);
  write_file_atomic(output / "config.json", out_config.dump(2) + "\n");
  return report;
}

}  // namespace t2sql::merge
