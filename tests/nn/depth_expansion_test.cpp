#include "nn/depth_expansion.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "common/error.hpp"
#include "nn/checkpoint.hpp"
#include "nn/quantize.hpp"
#include "test_helpers.hpp"

namespace t2sql::nn {
namespace {

namespace fs = std::filesystem;
const fs::path kModels = fs::path(T2SQL_TEST_FIXTURES) / "models";

// Every fixture architecture (GQA, qkv bias, Mixtral experts, tied llama3 rope), expanded after
// every layer and after every second one: the logits do not move, and the inserted layers are
// copies with zero residual outputs.
TEST(DepthExpansion, KeepsTheLogitsOfEveryArchitecture) {
  torch::NoGradGuard no_grad;
  torch::Tensor ids = torch::arange(0, 12).remainder(40).add(2).unsqueeze(0);
  for (std::string name : {"llama_gqa", "qwen2_bias", "mixtral_moe", "llama3_tied_rope"}) {
    SCOPED_TRACE(name);
    LlamaModel source = load_llama_model(kModels / name);
    const int64_t layers = source->config().num_hidden_layers;
    torch::Tensor expected = source->forward(ids);
    for (int64_t every : {int64_t{1}, layers}) {
      LlamaModel expanded = expand_depth(source, every);
      EXPECT_EQ(expanded->config().num_hidden_layers, layers + layers / every);
      EXPECT_LE((expanded->forward(ids) - expected).abs().max().item<double>(), 1e-5);
      auto parameters = expanded->named_parameters();
      // Layer `every` is the first inserted copy (of layer every - 1).
      const std::string copy = "model.layers." + std::to_string(every) + ".";
      const std::string original = "model.layers." + std::to_string(every - 1) + ".";
      EXPECT_TRUE(parameters[copy + "self_attn.q_proj.weight"].equal(parameters[original + "self_attn.q_proj.weight"]));
      EXPECT_EQ(parameters[copy + "self_attn.o_proj.weight"].abs().max().item<double>(), 0.0);
      EXPECT_GT(parameters[original + "self_attn.o_proj.weight"].abs().max().item<double>(), 0.0);
    }
  }
}

// Training moves the zeroed projections: they receive gradients although their output is zero.
TEST(DepthExpansion, InsertedLayersLearn) {
  LlamaModel source = load_llama_model(kModels / "llama_gqa");
  LlamaModel expanded = expand_depth(source, 1);
  torch::Tensor ids = torch::arange(0, 10).remainder(40).add(2).unsqueeze(0);
  torch::Tensor logits = expanded->forward(ids);
  torch::nn::functional::cross_entropy(logits[0].slice(0, 0, -1), ids[0].slice(0, 1)).backward();
  auto parameters = expanded->named_parameters();
  EXPECT_GT(parameters["model.layers.1.self_attn.o_proj.weight"].grad().abs().max().item<double>(), 0.0);
  EXPECT_GT(parameters["model.layers.1.mlp.down_proj.weight"].grad().abs().max().item<double>(), 0.0);
}

TEST(DepthExpansion, BadRequestsAreErrors) {
  LlamaModel source = load_llama_model(kModels / "llama_gqa");
  const int64_t layers = source->config().num_hidden_layers;
  EXPECT_THROW(expand_depth(source, 0), Error);
  EXPECT_THROW(expand_depth(source, layers + 1), Error);
  const fs::path dir = testing_support::temp_dir("depth", "q8");
  quantize_checkpoint(kModels / "llama_gqa", dir, "q8");
  LlamaModel quantized = load_llama_model(dir);
  try {
    expand_depth(quantized, 1);
    FAIL() << "a quantized model was expanded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace t2sql::nn
