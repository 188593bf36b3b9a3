// LlamaModel against the python3-torch reference (tools/reference_model/): fp32 logits within
// 1e-4 and identical greedy tokens for every fixture config; KV-cached decoding equals full
// recompute; save/load round trips; bad checkpoints are clear errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "nn/checkpoint.hpp"
#include "nn/llama_model.hpp"
#include "test_helpers.hpp"

namespace t2sql::nn {
namespace {

namespace fs = std::filesystem;

const fs::path kModels = fs::path(T2SQL_TEST_FIXTURES) / "models";
const std::vector<std::string> kConfigs = {"llama_gqa",      "llama3_tied_rope", "qwen2_bias",
                                           "mistral_window", "mixtral_moe",      "llama_bf16_headdim"};

fs::path temp_dir(const std::string& name) { return testing_support::temp_dir("model", name); }

struct Expected {
  std::shared_ptr<SafetensorsFile> file;
  torch::Tensor get(const std::string& name) const { return tensor_from_view(*file->find(name)).clone(); }
};

Expected expected_for(const std::string& config) {
  return {SafetensorsFile::open(kModels / config / "expected.safetensors")};
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat32) - b.to(torch::kFloat32)).abs().max().item<double>();
}

using testing_support::greedy_cached;

class Conformance : public ::testing::TestWithParam<std::string> {};

TEST_P(Conformance, LogitsAndGreedyMatchReference) {
  torch::NoGradGuard no_grad;
  auto model = load_llama_model(kModels / GetParam());
  auto expected = expected_for(GetParam());
  auto ids = expected.get("input_ids");
  auto logits = model->forward(ids);
  EXPECT_LE(max_abs_diff(logits, expected.get("logits")), 1e-4);

  auto padded = model->forward(expected.get("padded_ids"), expected.get("padded_mask"));
  // Positions that are padding attend to nothing real; compare only real tokens.
  auto mask = expected.get("padded_mask").to(torch::kBool).unsqueeze(-1);
  auto want = expected.get("padded_logits");
  EXPECT_LE(max_abs_diff(padded.masked_fill(~mask, 0), want.masked_fill(~mask, 0)), 1e-4);

  auto greedy = expected.get("greedy");
  for (int64_t row = 0; row < ids.size(0); ++row) {
    auto tokens = greedy_cached(model, ids[row], static_cast<int>(greedy.size(1)));
    std::vector<int64_t> want_tokens(greedy[row].data_ptr<int64_t>(), greedy[row].data_ptr<int64_t>() + greedy.size(1));
    EXPECT_EQ(tokens, want_tokens) << GetParam() << " row " << row;
  }
}

TEST_P(Conformance, CachedDecodeEqualsFullRecompute) {
  torch::NoGradGuard no_grad;
  auto model = load_llama_model(kModels / GetParam());
  auto ids = expected_for(GetParam()).get("input_ids");
  auto full = model->forward(ids);
  KvCache cache;
  auto prefix = model->forward(ids.narrow(1, 0, 4), {}, {}, &cache);
  std::vector<torch::Tensor> pieces = {prefix};
  for (int64_t t = 4; t < ids.size(1); ++t) {
    pieces.push_back(model->forward(ids.narrow(1, t, 1), {}, {}, &cache));
  }
  EXPECT_EQ(cache.length(), ids.size(1));
  EXPECT_LE(max_abs_diff(torch::cat(pieces, 1), full), 1e-5);
}

TEST_P(Conformance, SaveLoadRoundTripIsExact) {
  torch::NoGradGuard no_grad;
  auto model = load_llama_model(kModels / GetParam());
  auto dir = temp_dir("save_" + GetParam());
  save_llama_model(model, dir, TensorDtype::kF32, /*max_shard_bytes=*/20'000);  // force shards
  EXPECT_TRUE(fs::exists(dir / "model.safetensors.index.json"));
  auto reloaded = load_llama_model(dir);
  auto ids = expected_for(GetParam()).get("input_ids");
  EXPECT_EQ(max_abs_diff(model->forward(ids), reloaded->forward(ids)), 0.0);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Conformance, ::testing::ValuesIn(kConfigs));

TEST(LlamaModelTest, ParameterNamesAreHuggingFaceNames) {
  auto config = load_llama_config(kModels / "mixtral_moe");
  LlamaModel model(config);
  std::set<std::string> names;
  for (const auto& item : model->named_parameters()) names.insert(item.key());
  EXPECT_TRUE(names.count("model.embed_tokens.weight"));
  EXPECT_TRUE(names.count("model.layers.1.self_attn.q_proj.weight"));
  EXPECT_TRUE(names.count("model.layers.0.block_sparse_moe.gate.weight"));
  EXPECT_TRUE(names.count("model.layers.0.block_sparse_moe.experts.3.w2.weight"));
  EXPECT_TRUE(names.count("model.layers.1.post_attention_layernorm.weight"));
  EXPECT_TRUE(names.count("model.norm.weight"));
  EXPECT_TRUE(names.count("lm_head.weight"));
  auto tied = LlamaModel(load_llama_config(kModels / "qwen2_bias"));
  std::set<std::string> tied_names;
  for (const auto& item : tied->named_parameters()) tied_names.insert(item.key());
  EXPECT_FALSE(tied_names.count("lm_head.weight"));
  EXPECT_TRUE(tied_names.count("model.layers.0.self_attn.k_proj.bias"));
  EXPECT_FALSE(tied_names.count("model.layers.0.self_attn.o_proj.bias"));
}

TEST(LlamaModelTest, Bf16ComputeIsCloseToFp32) {
  torch::NoGradGuard no_grad;
  auto fp32 = load_llama_model(kModels / "llama_gqa");
  LoadOptions options;
  options.dtype = torch::kBFloat16;
  auto bf16 = load_llama_model(kModels / "llama_gqa", options);
  auto ids = expected_for("llama_gqa").get("input_ids");
  auto logits = bf16->forward(ids);
  EXPECT_EQ(logits.scalar_type(), torch::kBFloat16);
  EXPECT_LE(max_abs_diff(logits, fp32->forward(ids)), 0.5);
}

TEST(LlamaModelTest, BackwardReachesEveryParameter) {
  auto model = load_llama_model(kModels / "mixtral_moe");
  model->train();
  torch::manual_seed(42);
  auto ids = torch::randint(0, 48, {4, 16}, torch::kInt64);
  auto logits = model->forward(ids);
  auto loss = torch::nn::functional::cross_entropy(logits.view({-1, logits.size(-1)}), ids.view({-1}));
  loss.backward();
  int64_t with_grad = 0;
  for (const auto& item : model->named_parameters()) with_grad += item.value().grad().defined();
  // 64 tokens x 2 slots route to every one of the 4 experts with these weights.
  EXPECT_EQ(with_grad, static_cast<int64_t>(model->named_parameters().size()));
}

// Dropout acts in train() mode only: eval() logits stay the reference ones, and each kind (hidden,
// attention) alone changes the train-mode logits. Rates outside [0, 1) are errors.
TEST(LlamaModelTest, DropoutActsOnlyWhileTraining) {
  torch::NoGradGuard no_grad;
  auto model = load_llama_model(kModels / "llama_gqa");
  auto ids = expected_for("llama_gqa").get("input_ids");
  const torch::Tensor reference = model->forward(ids);
  for (auto [hidden, attention] : {std::pair{0.5, 0.0}, std::pair{0.0, 0.5}}) {
    SCOPED_TRACE(testing::Message() << "hidden " << hidden << " attention " << attention);
    model->set_dropout(hidden, attention);
    model->train();
    torch::manual_seed(5);
    EXPECT_GT(max_abs_diff(model->forward(ids), reference), 1e-3);
    model->eval();
    EXPECT_EQ(max_abs_diff(model->forward(ids), reference), 0.0);
  }
  model->set_dropout(0.0, 0.0);
  model->train();
  EXPECT_EQ(max_abs_diff(model->forward(ids), reference), 0.0);
  EXPECT_THROW(model->set_dropout(1.0, 0.0), Error);
  EXPECT_THROW(model->set_dropout(0.0, -0.1), Error);
}

TEST(LlamaModelTest, PromptLongerThanContextIsAnError) {
  auto model = load_llama_model(kModels / "llama_gqa");  // max_position_embeddings 64
  torch::NoGradGuard no_grad;
  try {
    model->forward(torch::ones({1, 65}, torch::kInt64));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exceeds the model context of 64"), std::string::npos);
  }
  EXPECT_THROW(model->forward(torch::full({1, 3}, 48, torch::kInt64)), Error);  // vocab is 48
}

TEST(LlamaModelTest, BadCheckpointsNameTheTensor) {
  torch::NoGradGuard no_grad;
  auto source = kModels / "llama_gqa";
  auto expect_error = [](const fs::path& dir, const std::string& needle) {
    try {
      load_llama_model(dir);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  // Shape mismatch: the config promises a wider hidden size.
  auto dir = temp_dir("bad_shape");
  fs::copy(source / "model.safetensors", dir / "model.safetensors");
  auto config = load_json_file(source / "config.json");
  config["intermediate_size"] = 40;
  write_file_atomic(dir / "config.json", config.dump());
  expect_error(dir, "mlp.gate_proj.weight' has shape [48, 32] but the config implies [40, 32]");
  // Missing tensor: one layer more than stored.
  config = load_json_file(source / "config.json");
  config["num_hidden_layers"] = 3;
  write_file_atomic(dir / "config.json", config.dump());
  expect_error(dir, "missing tensor 'model.layers.2.");
  // Unexpected tensor: one layer fewer than stored.
  config["num_hidden_layers"] = 1;
  write_file_atomic(dir / "config.json", config.dump());
  expect_error(dir, "unexpected tensor 'model.layers.1.");
  // Unknown architecture.
  config = load_json_file(source / "config.json");
  config["architectures"] = {"FalconForCausalLM"};
  write_file_atomic(dir / "config.json", config.dump());
  expect_error(dir, "unsupported architecture 'FalconForCausalLM'");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace t2sql::nn
