// One optimizer step (loss, clipped gradients, AdamW update; full and LoRA) against the plain
// PyTorch reference of tools/reference_train/reference_step.py (fixture tests/fixtures/train_step).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/file_io.hpp"
#include "nn/checkpoint.hpp"
#include "nn/lora.hpp"
#include "nn/safetensors.hpp"
#include "train/sft_trainer.hpp"

namespace fs = std::filesystem;
using namespace t2sql;
using namespace t2sql::train;

namespace {

const fs::path kFixture = fs::path(T2SQL_TEST_FIXTURES) / "train_step";

MicroBatch fixture_batch(const nlohmann::json& expected) {
  auto ids = expected["input_ids"].get<std::vector<std::vector<int64_t>>>();
  auto labels = expected["labels"].get<std::vector<std::vector<int64_t>>>();
  MicroBatch batch;
  int64_t rows = static_cast<int64_t>(ids.size()), length = static_cast<int64_t>(ids[0].size());
  batch.input_ids = torch::empty({rows, length}, torch::kInt64);
  batch.targets = torch::empty({rows, length}, torch::kInt64);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t t = 0; t < length; ++t) {
      batch.input_ids[r][t] = ids[static_cast<size_t>(r)][static_cast<size_t>(t)];
      int64_t label = labels[static_cast<size_t>(r)][static_cast<size_t>(t)];
      batch.targets[r][t] = label;
      batch.target_tokens += label != kIgnoreIndex;
    }
  }
  batch.position_ids = torch::arange(length).unsqueeze(0).expand({rows, length}).contiguous();
  batch.segment_ids = torch::zeros({rows, length}, torch::kInt64);
  batch.tokens = rows * length;
  return batch;
}

void expect_matches(nn::LlamaModel& model, const fs::path& expected_file) {
  auto expected = nn::SafetensorsFile::open(expected_file);
  int compared = 0;
  for (const auto& item : model->named_parameters()) {
    if (!item.value().requires_grad()) continue;
    auto weight = expected->find(item.key());
    auto grad = expected->find(item.key() + ".grad");
    ASSERT_TRUE(weight && grad) << item.key();
    EXPECT_TRUE(torch::allclose(item.value(), nn::tensor_from_view(*weight), 1e-5, 1e-5)) << item.key();
    EXPECT_TRUE(torch::allclose(item.value().grad(), nn::tensor_from_view(*grad), 1e-5, 1e-5)) << item.key() << ".grad";
    ++compared;
  }
  EXPECT_EQ(compared * 2, static_cast<int>(expected->header().tensors.size()));
}

TEST(ReferenceStep, FullFineTuningStepEqualsPyTorch) {
  auto expected = load_json_file(kFixture / "expected.json");
  auto model = nn::load_llama_model(kFixture);
  SftConfig config;
  config.weight_decay = expected["weight_decay"].get<double>();
  auto optimizer = make_adamw(model, config);
  auto [loss, norm] = optimizer_step(model, *optimizer, {fixture_batch(expected)}, expected["lr"].get<double>(),
                                     expected["max_grad_norm"].get<double>());
  EXPECT_NEAR(loss, expected["full"]["loss"].get<double>(), 1e-5);
  EXPECT_NEAR(norm, expected["full"]["grad_norm"].get<double>(), 1e-5);
  expect_matches(model, kFixture / "expected_full.safetensors");
}

TEST(ReferenceStep, LoraStepEqualsPyTorch) {
  auto expected = load_json_file(kFixture / "expected.json");
  auto model = nn::load_llama_model(kFixture);
  nn::LoraConfig lora;
  lora.r = expected["lora_r"].get<int64_t>();
  lora.alpha = expected["lora_alpha"].get<double>();
  lora.dropout = 0.0;
  lora.target_modules = expected["lora_targets"].get<std::vector<std::string>>();
  nn::add_lora_adapters(model, lora);
  {
    auto initial = nn::SafetensorsFile::open(kFixture / "lora_initial.safetensors");
    torch::NoGradGuard no_grad;
    int loaded = 0;
    for (auto& item : model->named_parameters()) {
      if (auto view = initial->find(item.key())) {
        item.value().copy_(nn::tensor_from_view(*view));
        ++loaded;
      }
    }
    ASSERT_EQ(loaded, static_cast<int>(initial->header().tensors.size()));
  }
  SftConfig config;
  config.weight_decay = expected["weight_decay"].get<double>();
  auto optimizer = make_adamw(model, config);
  auto [loss, norm] = optimizer_step(model, *optimizer, {fixture_batch(expected)}, expected["lr"].get<double>(),
                                     expected["max_grad_norm"].get<double>());
  EXPECT_NEAR(loss, expected["lora"]["loss"].get<double>(), 1e-5);
  EXPECT_NEAR(norm, expected["lora"]["grad_norm"].get<double>(), 1e-5);
  expect_matches(model, kFixture / "expected_lora.safetensors");
}

}  // namespace
