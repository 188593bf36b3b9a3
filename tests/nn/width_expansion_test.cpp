#include "nn/width_expansion.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <optional>

#include "common/error.hpp"
#include "nn/checkpoint.hpp"
#include "nn/quantize.hpp"
#include "test_helpers.hpp"

namespace t2sql::nn {
namespace {

namespace fs = std::filesystem;
const fs::path kModels = fs::path(T2SQL_TEST_FIXTURES) / "models";

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

// Each dense fixture architecture (GQA, qkv bias, tied llama3 rope) widened along each dimension
// alone and all at once keeps its logits; RMSNorm's epsilon now meets a smaller mean square, so
// the bound is relative rather than exact.
TEST(WidthExpansion, KeepsTheLogitsOfEveryDenseArchitecture) {
  torch::NoGradGuard no_grad;
  torch::Tensor ids = torch::arange(0, 14).remainder(40).add(2).unsqueeze(0);
  for (std::string name : {"llama_gqa", "qwen2_bias", "llama3_tied_rope"}) {
    SCOPED_TRACE(name);
    LlamaModel source = load_llama_model(kModels / name);
    const LlamaConfig& config = source->config();
    torch::Tensor expected = source->forward(ids);
    const double scale = max_abs(expected);
    for (WidthTargets targets : {WidthTargets{config.hidden_size * 2, 0, 0},
                                 WidthTargets{0, config.intermediate_size + 24, 0},
                                 WidthTargets{0, 0, config.head_dim * 2},
                                 WidthTargets{config.hidden_size + 16, config.intermediate_size * 3, config.head_dim * 4}}) {
      SCOPED_TRACE(testing::Message() << targets.hidden_size << " " << targets.intermediate_size << " " << targets.head_dim);
      LlamaModel wide = expand_width(source, targets, 7);
      const LlamaConfig& grown = wide->config();
      EXPECT_EQ(grown.hidden_size, targets.hidden_size ? targets.hidden_size : config.hidden_size);
      EXPECT_EQ(grown.intermediate_size, targets.intermediate_size ? targets.intermediate_size : config.intermediate_size);
      EXPECT_EQ(grown.head_dim, targets.head_dim ? targets.head_dim : config.head_dim);
      EXPECT_LE(max_abs(wide->forward(ids) - expected), 1e-4 * scale);
    }
  }
}

// The new units are zero on one side only: a training step gives every new block a gradient, so
// training can move them (a unit zero on both sides, or a copy of an old one, would stay put).
TEST(WidthExpansion, NewUnitsReceiveGradients) {
  LlamaModel source = load_llama_model(kModels / "llama_gqa");
  const LlamaConfig config = source->config();
  const int64_t d = config.hidden_size, f = config.intermediate_size, h = config.head_dim;
  LlamaModel wide = expand_width(source, {2 * d, 2 * f, 2 * h}, 3);
  torch::Tensor ids = torch::arange(0, 10).remainder(40).add(2).unsqueeze(0);
  torch::Tensor logits = wide->forward(ids);
  torch::nn::functional::cross_entropy(logits[0].slice(0, 0, -1), ids[0].slice(0, 1)).backward();
  auto parameters = wide->named_parameters();
  auto grad = [&](const std::string& name) { return parameters[name].grad(); };
  const std::string layer = "model.layers.0.";
  // New residual dimensions: written by o_proj/down_proj rows d.., read through embedding columns.
  EXPECT_GT(max_abs(grad(layer + "self_attn.o_proj.weight").slice(0, d)), 0.0);
  EXPECT_GT(max_abs(grad(layer + "mlp.down_proj.weight").slice(0, d)), 0.0);
  EXPECT_GT(max_abs(grad("model.embed_tokens.weight").slice(1, d)), 0.0);
  // New MLP units: their down_proj columns start at zero and learn.
  EXPECT_EQ(max_abs(parameters[layer + "mlp.down_proj.weight"].slice(1, f).detach()), 0.0);
  EXPECT_GT(max_abs(grad(layer + "mlp.down_proj.weight").slice(1, f)), 0.0);
  // New RoPE pairs of head 0: dimension 1 (between the moved pairs 0 and 2) has zero query rows.
  EXPECT_EQ(max_abs(parameters[layer + "self_attn.q_proj.weight"][1].detach()), 0.0);
  EXPECT_GT(max_abs(grad(layer + "self_attn.q_proj.weight")[1]), 0.0);
}

TEST(WidthExpansion, BadRequestsAreErrors) {
  LlamaModel source = load_llama_model(kModels / "llama_gqa");
  const LlamaConfig config = source->config();
  auto code_of = [&](LlamaModel& model, WidthTargets targets) -> std::optional<ErrorCode> {
    try {
      expand_width(model, targets, 1);
    } catch (const Error& e) {
      return e.code();
    }
    return std::nullopt;
  };
  EXPECT_EQ(code_of(source, {config.hidden_size - 2, 0, 0}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of(source, {0, config.intermediate_size - 1, 0}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of(source, {0, 0, config.head_dim + 2}), ErrorCode::kInvalidArgument);  // not a multiple
  LlamaModel moe = load_llama_model(kModels / "mixtral_moe");
  EXPECT_EQ(code_of(moe, {moe->config().hidden_size * 2, 0, 0}), ErrorCode::kUnsupported);
  const fs::path dir = testing_support::temp_dir("width", "q8");
  quantize_checkpoint(kModels / "llama_gqa", dir, "q8");
  LlamaModel quantized = load_llama_model(dir);
  EXPECT_EQ(code_of(quantized, {config.hidden_size * 2, 0, 0}), ErrorCode::kUnsupported);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace t2sql::nn
