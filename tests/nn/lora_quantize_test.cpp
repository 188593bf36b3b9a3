// LoRA adapters (merge equals unmerged forward, PEFT names, save/load round trip, bad adapters) and
// weight-only quantization (codes round-trip, logit error bounds, saved format, bad requests).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "nn/checkpoint.hpp"
#include "nn/lora.hpp"
#include "nn/quantize.hpp"
#include "test_helpers.hpp"

namespace t2sql::nn {
namespace {

namespace fs = std::filesystem;
const fs::path kModels = fs::path(T2SQL_TEST_FIXTURES) / "models";

fs::path temp_dir(const std::string& name) { return testing_support::temp_dir("lora", name); }

torch::Tensor prompt_ids() {
  return tensor_from_view(*SafetensorsFile::open(kModels / "llama_gqa" / "expected.safetensors")->find("input_ids")).clone();
}

// Gives every adapter non-zero B so the adapter changes the output.
void randomize_adapters(LlamaModel& model) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(3);
  for (auto& item : model->named_parameters()) {
    if (item.key().ends_with("lora_B.weight")) item.value().normal_(0.0, 0.2);
  }
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(Lora, MergedForwardEqualsUnmergedAndUnmergeRestores) {
  torch::NoGradGuard no_grad;
  auto model = load_llama_model(kModels / "llama_gqa");
  auto ids = prompt_ids();
  auto base = model->forward(ids);
  LoraConfig config;
  config.r = 4;
  config.alpha = 8;
  config.target_modules = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
  EXPECT_EQ(add_lora_adapters(model, config), 14);
  EXPECT_LE(max_abs_diff(model->forward(ids), base), 1e-6);  // B = 0 at start
  randomize_adapters(model);
  auto adapted = model->forward(ids);
  EXPECT_GT(max_abs_diff(adapted, base), 1e-2);
  merge_lora_adapters(model);
  EXPECT_LE(max_abs_diff(model->forward(ids), adapted), 1e-4);
  unmerge_lora_adapters(model);
  EXPECT_LE(max_abs_diff(model->forward(ids), adapted), 1e-4);
  EXPECT_LE(max_abs_diff(model->linear_layers()[0].second->weight, load_llama_model(kModels / "llama_gqa")->linear_layers()[0].second->weight), 1e-6);
}

TEST(Lora, OnlyAdaptersTrainAndNamesArePeftNames) {
  auto model = load_llama_model(kModels / "mixtral_moe");
  LoraConfig config;  // q_proj, v_proj
  EXPECT_EQ(add_lora_adapters(model, config), 4);
  for (const auto& item : model->named_parameters()) {
    bool is_lora = item.key().find(".lora_") != std::string::npos;
    EXPECT_EQ(item.value().requires_grad(), is_lora) << item.key();
  }
  auto dir = temp_dir("names");
  save_lora_adapter(model, config, dir, "tiny-mixtral");
  auto file = SafetensorsFile::open(dir / "adapter_model.safetensors");
  EXPECT_TRUE(file->find("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
  EXPECT_TRUE(file->find("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"));
  EXPECT_EQ(file->header().tensors.size(), 8u);
  EXPECT_EQ(file->find("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")->entry->shape,
            (std::vector<int64_t>{8, 32}));
  auto json = load_json_file(dir / "adapter_config.json");
  EXPECT_EQ(json["peft_type"], "LORA");
  EXPECT_EQ(json["r"], 8);
  EXPECT_EQ(json["base_model_name_or_path"], "tiny-mixtral");
  fs::remove_all(dir);
}

TEST(Lora, SaveLoadRoundTrip) {
  torch::NoGradGuard no_grad;
  auto model = load_llama_model(kModels / "qwen2_bias");
  LoraConfig config;
  config.r = 2;
  config.alpha = 16;
  config.target_modules = {"q_proj", "down_proj"};
  add_lora_adapters(model, config);
  randomize_adapters(model);
  auto ids = prompt_ids();
  auto adapted = model->forward(ids);
  auto dir = temp_dir("roundtrip");
  save_lora_adapter(model, config, dir);
  auto fresh = load_llama_model(kModels / "qwen2_bias");
  auto loaded = load_lora_adapter(fresh, dir);
  EXPECT_EQ(loaded.r, 2);
  EXPECT_EQ(loaded.alpha, 16);
  EXPECT_EQ(loaded.target_modules, config.target_modules);
  EXPECT_EQ(max_abs_diff(fresh->forward(ids), adapted), 0.0);
  fs::remove_all(dir);
}

TEST(Lora, BadAdaptersAreErrors) {
  auto dir = temp_dir("bad");
  auto model = load_llama_model(kModels / "llama_gqa");
  LoraConfig config;
  add_lora_adapters(model, config);
  save_lora_adapter(model, config, dir);
  auto expect_error = [&](const std::string& needle) {
    auto fresh = load_llama_model(kModels / "llama_gqa");
    try {
      load_lora_adapter(fresh, dir);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto json = load_json_file(dir / "adapter_config.json");
  auto edited = json;
  edited["r"] = 4;
  write_file_atomic(dir / "adapter_config.json", edited.dump());
  expect_error("has shape [8, 32] but r=4");
  edited = json;
  edited["target_modules"] = {"q_proj"};
  write_file_atomic(dir / "adapter_config.json", edited.dump());
  expect_error("unexpected tensor 'base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight'");
  edited = json;
  edited["target_modules"] = {"q_proj", "v_proj", "k_proj"};
  write_file_atomic(dir / "adapter_config.json", edited.dump());
  expect_error("missing LoRA tensor 'base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight'");
  edited = json;
  edited["use_rslora"] = true;
  write_file_atomic(dir / "adapter_config.json", edited.dump());
  expect_error("use_rslora");
  edited = json;
  edited["target_modules"] = {"c_attn"};
  write_file_atomic(dir / "adapter_config.json", edited.dump());
  expect_error("match no layer");
  fs::remove_all(dir);
}

TEST(Quantize, CodesRoundTripWithinHalfAStep) {
  torch::manual_seed(1);
  auto weight = torch::randn({6, 64});
  weight[2].zero_();  // an all-zero row must not divide by zero
  auto [q8, scales8] = quantize_q8(weight);
  LoraLinear linear8(64, 6, false, WeightFormat::kQ8);
  linear8->qweight.copy_(q8);
  linear8->scales.copy_(scales8);
  auto error8 = (linear8->dense_weight() - weight).abs();
  EXPECT_TRUE((error8 <= scales8.unsqueeze(1) * 0.5 + 1e-6).all().item<bool>());
  for (int64_t group : {32, 64}) {
    auto [q4, scales4] = quantize_q4(weight, group);
    EXPECT_EQ(q4.sizes(), (std::vector<int64_t>{6, 32}));
    LoraLinear linear4(64, 6, false, WeightFormat::kQ4, group);
    linear4->qweight.copy_(q4);
    linear4->scales.copy_(scales4);
    auto error4 = (linear4->dense_weight() - weight).abs().view({6, 64 / group, group});
    EXPECT_TRUE((error4 <= scales4.unsqueeze(-1) * 0.5 + 1e-6).all().item<bool>()) << group;
  }
  EXPECT_THROW(quantize_q4(weight, 24), Error);
}

TEST(Quantize, CheckpointsShrinkAndStayClose) {
  auto ids = prompt_ids();
  for (std::string name : {"llama_gqa", "mixtral_moe", "qwen2_bias"}) {
    torch::NoGradGuard no_grad;
    auto reference = load_llama_model(kModels / name)->forward(ids);
    double spread = reference.abs().max().item<double>();
    for (auto [type, group, bound] : {std::tuple{"q8", 0, 0.02}, std::tuple{"q4", 16, 0.25}}) {
      auto dir = temp_dir(name + type);
      auto report = quantize_checkpoint(kModels / name, dir, type, group == 0 ? 32 : group);
      EXPECT_GT(report.quantized_layers, 0);
      EXPECT_LT(report.output_bytes, report.input_bytes);
      auto config = load_llama_config(dir);
      ASSERT_TRUE(config.quantization);
      EXPECT_EQ(config.quantization->type, type);
      auto quantized = load_llama_model(dir);
      double error = max_abs_diff(quantized->forward(ids), reference);
      EXPECT_LT(error, bound * spread) << name << " " << type << " error " << error << " of " << spread;
      EXPECT_GT(error, 0.0);
      // Saved format: codes + fp32 scales instead of the weight.
      auto file = SafetensorsFile::open(dir / "model.safetensors");
      auto codes = file->find("model.layers.0.self_attn.q_proj.qweight");
      ASSERT_TRUE(codes);
      EXPECT_EQ(codes->entry->dtype, std::string(type) == "q8" ? TensorDtype::kI8 : TensorDtype::kU8);
      EXPECT_EQ(file->find("model.layers.0.self_attn.q_proj.scales")->entry->dtype, TensorDtype::kF32);
      EXPECT_FALSE(file->find("model.layers.0.self_attn.q_proj.weight"));
      EXPECT_TRUE(file->find("model.embed_tokens.weight"));
      EXPECT_THROW(quantize_checkpoint(dir, dir / "again", "q8"), Error);  // already quantized
      fs::remove_all(dir);
    }
  }
}

// The usual group sizes on a model wide enough for them (random weights, saved and reloaded).
TEST(Quantize, GroupSizes32And64) {
  torch::NoGradGuard no_grad;
  auto config = load_llama_config(kModels / "llama_gqa");
  config.hidden_size = 64;
  config.intermediate_size = 128;
  config.head_dim = 16;
  config.original = nlohmann::json::object();
  torch::manual_seed(5);
  LlamaModel model(config);
  auto source = temp_dir("wide");
  save_llama_model(model, source);
  auto ids = prompt_ids();
  auto reference = model->forward(ids);
  double previous_error = 0.0;
  for (int64_t group : {32, 64}) {
    auto dir = temp_dir("wide_q4_" + std::to_string(group));
    auto report = quantize_checkpoint(source, dir, "q4", group);
    EXPECT_LT(report.output_bytes * 3, report.input_bytes);  // 4-bit codes + scales vs fp32
    EXPECT_EQ(load_llama_config(dir).quantization->group_size, group);
    double error = max_abs_diff(load_llama_model(dir)->forward(ids), reference);
    EXPECT_LT(error, 0.25 * reference.abs().max().item<double>());
    EXPECT_GE(error, previous_error * 0.5);  // larger groups are not much better
    previous_error = error;
    fs::remove_all(dir);
  }
  fs::remove_all(source);
}

// A quantized folder is a usable model: the input's tokenizer and prompt settings come along,
// byte for byte; files the input lacks are not invented.
TEST(Quantize, TakesTheTokenizerAndSettingsAlong) {
  torch::NoGradGuard no_grad;
  auto source = temp_dir("with_tokenizer");
  fs::copy(kModels / "llama_gqa", source, fs::copy_options::recursive);
  write_file_atomic(source / "tokenizer.json", "{\"model\": {\"type\": \"BPE\"}}\n");
  write_file_atomic(source / "tokenizer_config.json", "{\"eos_token\": \"</s>\"}\n");
  write_file_atomic(source / "inference.yaml", "schema_format: compact\nroles: user\n");
  auto dir = temp_dir("with_tokenizer_q8");
  auto report = quantize_checkpoint(source, dir, "q8");
  EXPECT_EQ(report.copied_files, 3);
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "inference.yaml"})
    EXPECT_EQ(read_file(dir / name), read_file(source / name)) << name;
  EXPECT_FALSE(fs::exists(dir / "tokenizer.model"));
  EXPECT_FALSE(fs::exists(dir / "generation_config.json"));
  fs::remove_all(dir);
  fs::remove_all(source);
}

TEST(Quantize, BadRequestsAreErrors) {
  auto dir = temp_dir("badq");
  EXPECT_THROW(quantize_checkpoint(kModels / "llama_gqa", dir, "q3"), Error);
  EXPECT_THROW(quantize_checkpoint(kModels / "llama_gqa", dir, "q4", 24), Error);
  // hidden_size 32 is not a multiple of 64.
  try {
    quantize_checkpoint(kModels / "llama_gqa", dir, "q4", 64);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("hidden_size = 32 is not a multiple of the q4 group size 64"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace t2sql::nn
