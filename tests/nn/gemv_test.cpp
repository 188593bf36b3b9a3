// Fused few-row linear kernels (nn/gemv.hpp) against LibTorch's fp32 product over the upcast
// weight, and models that keep their 16-bit weights against the same models upcast at load.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "nn/checkpoint.hpp"
#include "nn/gemv.hpp"
#include "nn/llama_model.hpp"
#include "nn/quantize.hpp"
#include "test_helpers.hpp"

namespace t2sql::nn {
namespace {

namespace fs = std::filesystem;

const fs::path kModels = fs::path(T2SQL_TEST_FIXTURES) / "models";

fs::path temp_dir(const std::string& name) { return testing_support::temp_dir("gemv", name); }

double max_rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max().clamp_min(1e-12)).item<double>();
}

// The product the kernels must equal: fp32 linear over the weight as float32 (q4 codes unpacked
// and scaled per group here, independently of the model's dequantization code).
torch::Tensor reference(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& scales,
                        const torch::Tensor& bias) {
  torch::Tensor w;
  if (weight.scalar_type() == torch::kByte) {
    const int64_t out = weight.size(0), in = 2 * weight.size(1), group = in / scales.size(1);
    w = torch::empty({out, in});
    auto codes = weight.accessor<uint8_t, 2>();
    auto scale = scales.accessor<float, 2>();
    auto value = w.accessor<float, 2>();
    for (int64_t n = 0; n < out; ++n)
      for (int64_t k = 0; k < in; ++k) {
        const int code = k % 2 == 0 ? codes[n][k / 2] & 15 : codes[n][k / 2] >> 4;
        value[n][k] = static_cast<float>(code - 8) * scale[n][k / group];
      }
  } else {
    w = weight.to(torch::kFloat32);
    if (scales.defined()) w = w * scales.unsqueeze(1);
  }
  return torch::nn::functional::linear(x, w, bias);
}

struct Case {
  torch::ScalarType type;
  int64_t rows, in, out;
  bool bias;
};

TEST(FusedLinear, EqualsTheFp32ProductForEveryWeightTypeRowCountAndTail) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(3);
  std::vector<Case> cases;
  // Outputs 5 and 98 leave one and two rows after the blocks of four weight rows.
  for (auto type : {torch::kFloat32, torch::kBFloat16, torch::kHalf, torch::kChar})
    for (int64_t rows : {1, 2, 3, 5, 8, 13, 32})
      for (int64_t in : {16, 37, 256, 770})
        cases.push_back({type, rows, in, in == 37 ? 5 : in == 256 ? 98 : 96, rows % 2 == 1});
  // q4 (uint8 codes): input widths are whole groups; groups of 16, 32 and 64.
  for (int64_t rows : {1, 2, 3, 5, 8, 13, 32})
    for (int64_t in : {32, 64, 256, 768}) cases.push_back({torch::kByte, rows, in, in == 32 ? 5 : 98, rows % 2 == 0});
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c10::toString(c.type)) + " rows " + std::to_string(c.rows) + " in " + std::to_string(c.in));
    torch::Tensor x = torch::randn({c.rows, c.in});
    torch::Tensor weight, scales;
    if (c.type == torch::kByte) {
      const int64_t group = c.in == 32 ? 16 : c.in == 64 ? 32 : 64;
      weight = torch::randint(0, 256, {c.out, c.in / 2}).to(torch::kByte);
      scales = torch::rand({c.out, c.in / group}) * 0.05 + 0.001;
    } else if (c.type == torch::kChar) {
      weight = torch::randint(-127, 128, {c.out, c.in}).to(torch::kChar);
      scales = torch::rand({c.out}) * 0.01 + 0.001;
    } else {
      weight = (torch::randn({c.out, c.in}) * 0.05).to(c.type);
    }
    torch::Tensor bias = c.bias ? torch::randn({c.out}) : torch::Tensor();
    torch::Tensor expected = reference(x, weight, scales, bias);
    torch::Tensor portable = fused_linear_portable(x, weight, scales, bias);
    ASSERT_EQ(portable.sizes(), expected.sizes());
    EXPECT_LE(max_rel_diff(portable, expected), 1e-5);
    torch::Tensor fused = fused_linear(x, weight, scales, bias);
    EXPECT_LE(max_rel_diff(fused, expected), 1e-5);
  }
}

TEST(FusedLinear, KeepsLeadingDimensions) {
  torch::NoGradGuard no_grad;
  torch::Tensor x = torch::randn({2, 1, 64});
  torch::Tensor weight = torch::randn({24, 64}).to(torch::kBFloat16);
  torch::Tensor y = fused_linear(x, weight, torch::Tensor(), torch::Tensor());
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 1, 24}));
  EXPECT_LE(max_rel_diff(y, reference(x, weight, {}, {})), 1e-5);
}

TEST(FusedLinear, AppliesOnlyToFewRowsOfSupportedWeightsWithoutGradients) {
  if (!fused_kernels_available()) GTEST_SKIP() << "no AVX-512: the BLAS path is used everywhere";
  torch::Tensor weight = torch::randn({8, 32}).to(torch::kBFloat16);
  EXPECT_TRUE(fused_linear_applies(torch::randn({1, 32}), weight));
  EXPECT_TRUE(fused_linear_applies(torch::randn({kFusedLinearMaxRows, 32}), weight));
  EXPECT_FALSE(fused_linear_applies(torch::randn({kFusedLinearMaxRows + 1, 32}), weight));  // prefill
  EXPECT_TRUE(fused_linear_applies(torch::randn({1, 32}), torch::randn({8, 32})));          // fp32 weight
  EXPECT_FALSE(fused_linear_applies(torch::randn({1, 32}), torch::randn({8, 32}, torch::kFloat64)));
  EXPECT_FALSE(fused_linear_applies(torch::randn({1, 31}), weight));                        // width
  EXPECT_FALSE(fused_linear_applies(torch::randn({1, 32}).to(torch::kBFloat16), weight));  // bf16 compute
  torch::Tensor tracked = torch::randn({1, 32}).requires_grad_(true);
  EXPECT_FALSE(fused_linear_applies(tracked, weight));
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(fused_linear_applies(tracked, weight));
}

using testing_support::greedy_cached;  // prefill through BLAS, decode steps through the kernels

// Each fixture architecture saved in BF16, then loaded upcast (the default) and kept 16-bit: the
// kept model holds half the bytes in its projections and decodes the same tokens with the same
// logits (float rounding).
TEST(FusedLinear, SixteenBitModelsDecodeLikeTheirUpcastCopies) {
  if (!fused_kernels_available()) GTEST_SKIP() << "no AVX-512: 16-bit weights are converted at load";
  for (std::string name : {"llama_gqa", "qwen2_bias", "mixtral_moe", "llama3_tied_rope"}) {
    SCOPED_TRACE(name);
    fs::path dir = temp_dir(name);
    {
      auto source = load_llama_model(kModels / name);
      save_llama_model(source, dir, TensorDtype::kBF16);
    }
    auto upcast = load_llama_model(dir);
    LoadOptions options;
    options.keep_16bit_weights = true;
    auto kept = load_llama_model(dir, options);
    int64_t kept_16bit = 0;
    for (const auto& item : kept->named_parameters()) kept_16bit += item.value().scalar_type() == torch::kBFloat16;
    EXPECT_GT(kept_16bit, 0);
    EXPECT_EQ(kept->model->norm->weight.scalar_type(), torch::kFloat32);
    EXPECT_EQ(kept->model->embed_tokens->weight.scalar_type(), torch::kBFloat16);

    torch::Tensor prompt = torch::arange(3, 15);  // 12 rows: fused too
    torch::Tensor upcast_step, kept_step;
    auto expected = greedy_cached(upcast, prompt, 6, &upcast_step);
    auto got = greedy_cached(kept, prompt, 6, &kept_step);
    EXPECT_EQ(got, expected);
    EXPECT_LE((kept_step - upcast_step).abs().max().item<double>(), 1e-4);
    // A prefill longer than the kernels take converts the weight per product: same logits.
    c10::InferenceMode inference;
    auto ids = torch::arange(0, kFusedLinearMaxRows + 5).remainder(40).add(3).unsqueeze(0);
    EXPECT_LE((kept->forward(ids) - upcast->forward(ids)).abs().max().item<double>(), 1e-4);
    fs::remove_all(dir);
  }
}

// q8 and q4 (groups of 16: the fixture is 32 wide) models: a prompt longer than the kernels take
// (dense prefill over dequantized weights), then one step (fused, codes read as stored), against
// the whole sequence at once (dense).
TEST(FusedLinear, QuantizedDecodeStepsMatchTheDequantizedProduct) {
  for (std::string type : {"q8", "q4"}) {
    SCOPED_TRACE(type);
    fs::path dir = temp_dir(type);
    quantize_checkpoint(kModels / "llama_gqa", dir, type, 16);
    auto model = load_llama_model(dir);
    c10::InferenceMode inference;
    torch::Tensor prompt = torch::arange(0, kFusedLinearMaxRows + 8).remainder(40).add(2);
    KvCache cache;
    model->forward(prompt.unsqueeze(0), {}, {}, &cache, 1);
    auto step = model->forward(torch::tensor({{7}}), {}, {}, &cache, 1);
    auto full = model->forward(torch::cat({prompt, torch::tensor({7})}).unsqueeze(0));
    EXPECT_LE((step[0][-1] - full[0][-1]).abs().max().item<double>(), 1e-4);
    fs::remove_all(dir);
  }
}

}  // namespace
}  // namespace t2sql::nn
