// `t2sql merge` (linear): the recipe parser, the arithmetic, and whole-checkpoint merges of
// perturbed copies of a fixture model, including every refusal a user can run into.
#include "merge/weight_merge.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "merge/merge_config.hpp"
#include "nn/checkpoint.hpp"
#include "nn/quantize.hpp"

namespace t2sql::merge {
namespace {

namespace fs = std::filesystem;
const fs::path kModels = fs::path(T2SQL_TEST_FIXTURES) / "models";
const fs::path kTiny = kModels / "text_to_sql_tiny";  // has a tokenizer

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("t2sql_merge_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// `fixture` with every parameter moved by seeded noise, saved (with the fixture's tokenizer) to `dir`.
fs::path perturbed_copy(const fs::path& fixture, const fs::path& dir, uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto model = nn::load_llama_model(fixture);
  torch::manual_seed(seed);
  for (auto& parameter : model->parameters()) parameter.add_(torch::randn_like(parameter), 0.1);
  nn::save_llama_model(model, dir);
  nn::copy_model_files(fixture, dir, nn::kTokenizerFiles);
  return dir;
}

torch::Tensor tensor_of(const fs::path& model, const std::string& name) {
  return nn::tensor_from_view(nn::SafetensorsCheckpoint::open(model).get(name)).to(torch::kFloat32).clone();
}

std::string two_model_recipe(const fs::path& a, const fs::path& b, double weight_a, double weight_b,
                             const std::string& extra = "") {
  return "merge_method: linear\nmodels:\n  - model: " + a.string() + "\n    parameters:\n      weight: " +
         std::to_string(weight_a) + "\n  - model: " + b.string() + "\n    parameters:\n      weight: " +
         std::to_string(weight_b) + "\n" + extra;
}

// The message of the Error that `body` throws ("" when it throws none).
template <typename Body>
std::string error_of(Body body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(MergeConfig, ReadsMergekitLayout) {
  auto config = parse_merge_config(
      "merge_method: linear\nmodels:\n  - model: a\n    parameters:\n      weight: 0.25\n  - model: b\n"
      "parameters:\n  normalize: false\ndtype: bfloat16\nbase_model: a\ntokenizer_source: base\n",
      "recipe.yaml");
  EXPECT_EQ(config.merge_method, "linear");
  ASSERT_EQ(config.models.size(), 2u);
  EXPECT_EQ(config.models[0].model, "a");
  EXPECT_DOUBLE_EQ(config.models[0].weight, 0.25);
  EXPECT_DOUBLE_EQ(config.models[1].weight, 1.0);  // mergekit's default
  EXPECT_FALSE(config.normalize);
  EXPECT_EQ(config.out_dtype, nn::TensorDtype::kBF16);
  EXPECT_EQ(config.tokenizer_source, fs::path("a"));
  // out_dtype names the storage when both are given.
  EXPECT_EQ(parse_merge_config("merge_method: linear\nmodels: [{model: a}]\ndtype: bfloat16\nout_dtype: float16\n", "r")
                .out_dtype,
            nn::TensorDtype::kF16);
  EXPECT_TRUE(parse_merge_config("merge_method: linear\nmodels: [{model: a}]\n", "r").normalize);
}

TEST(MergeConfig, BadRecipesNameTheProblem) {
  const std::string models = "models: [{model: a}]\n";
  auto message = [](const std::string& text) { return error_of([&] { parse_merge_config(text, "recipe.yaml"); }); };
  EXPECT_NE(message("merge_methd: linear\n" + models).find("did you mean \"merge_method\""), std::string::npos);
  EXPECT_NE(message("merge_method: linear\n" + models + "dtyp: float32\n").find("recipe.yaml:3"), std::string::npos);
  EXPECT_NE(message("merge_method: ties\n" + models).find("implements: linear"), std::string::npos);
  EXPECT_NE(message(models).find("no merge_method"), std::string::npos);
  EXPECT_NE(message("merge_method: linear\nslices: []\n" + models).find("does not implement"), std::string::npos);
  EXPECT_NE(message("merge_method: linear\nmodels: []\n").find("non-empty list"), std::string::npos);
  EXPECT_NE(message("merge_method: linear\nmodels: [{parameters: {weight: 1}}]\n").find("has no \"model\""), std::string::npos);
  EXPECT_NE(message("merge_method: linear\nmodels: [{model: a, parameters: {weight: abc}}]\n").find("must be a number"),
            std::string::npos);
  EXPECT_NE(message("merge_method: linear\nmodels: [{model: a, parameters: {weight: [0, 1]}}]\n").find("one number"),
            std::string::npos);
  EXPECT_NE(message("merge_method: linear\nmodels: [{model: a, parameters: {wieght: 1}}]\n").find("did you mean \"weight\""),
            std::string::npos);
  EXPECT_NE(message("merge_method: linear\nmodels: [{model: a, parameters: {density: 0.5}}]\n").find("does not implement"),
            std::string::npos);
  EXPECT_NE(message("merge_method: linear\n" + models + "dtype: float64\n").find("float32, bfloat16 or float16"),
            std::string::npos);
  EXPECT_NE(message("merge_method: linear\n" + models + "tokenizer_source: union\n").find("union"), std::string::npos);
  EXPECT_NE(message("merge_method: linear\n" + models + "tokenizer_source: base\n").find("no base_model"), std::string::npos);
  EXPECT_NE(message("merge_method: linear\n" + models + "tokenizer_source: c\n").find("neither"), std::string::npos);
  EXPECT_NE(message("merge_method: linear\nmodels: [{model: a}\n").find("malformed YAML"), std::string::npos);
  EXPECT_NE(message("- linear\n").find("YAML map"), std::string::npos);
  EXPECT_NE(message("merge_method: linear\n" + models + "merge_method: linear\n").find("recipe.yaml:3: key 'merge_method' appears twice"),
            std::string::npos);
  EXPECT_NE(message("merge_method: linear\nmodels: [{model: a, parameters: {weight: 1, weight: 2}}]\n").find("key 'weight' appears twice"),
            std::string::npos);
  EXPECT_NE(error_of([] { load_merge_config("/nonexistent/recipe.yaml"); }).find("recipe.yaml"), std::string::npos);
}

TEST(LinearCombination, WeightedSumAndMeanInFloat32) {
  auto a = torch::tensor({1.0f, 2.0f, -4.0f});
  auto b = torch::tensor({3.0f, 6.0f, 8.0f});
  EXPECT_TRUE(torch::allclose(linear_combination({a, b}, {1.0, 3.0}, true), torch::tensor({2.5f, 5.0f, 5.0f})));
  EXPECT_TRUE(torch::allclose(linear_combination({a, b}, {1.0, 3.0}, false), torch::tensor({10.0f, 20.0f, 20.0f})));
  EXPECT_TRUE(torch::equal(linear_combination({a}, {2.0}, true), a));
  // bfloat16 inputs are widened first: 1 + 2^-8 is not a bfloat16, the mean of 1 and 1 + 2^-7 is.
  auto one = torch::ones({1}, torch::kBFloat16), next = torch::full({1}, 1.0 + 1.0 / 128, torch::kBFloat16);
  auto mean = linear_combination({one, next}, {1.0, 1.0}, true);
  EXPECT_EQ(mean.scalar_type(), torch::kFloat32);
  EXPECT_FLOAT_EQ(mean.item<float>(), 1.0f + 1.0f / 256);
  EXPECT_NE(error_of([&] { linear_combination({a, b}, {1.0, -1.0}, true); }).find("sum to 0"), std::string::npos);
  EXPECT_TRUE(torch::equal(linear_combination({a, b}, {1.0, -1.0}, false), a - b));
}

TEST(MergeCheckpoints, EveryTensorIsTheWeightedMean) {
  auto dir = temp_dir("mean");
  auto a = perturbed_copy(kTiny, dir / "a", 1), b = perturbed_copy(kTiny, dir / "b", 2);
  const std::string text = two_model_recipe(a, b, 1.0, 3.0);
  auto report = merge_checkpoints(parse_merge_config(text, "recipe"), dir / "merged", false);
  auto names = nn::SafetensorsCheckpoint::open(kTiny).names();
  EXPECT_EQ(report.tensors, static_cast<int64_t>(names.size()));
  EXPECT_EQ(report.copied_files, 2);  // tokenizer.json, tokenizer_config.json
  for (const auto& name : names) {
    auto expected = (tensor_of(a, name) + 3.0 * tensor_of(b, name)) / 4.0;
    EXPECT_LE((tensor_of(dir / "merged", name) - expected).abs().max().item<double>(), 1e-6) << name;
  }
  EXPECT_EQ(read_file(dir / "merged" / "tokenizer.json"), read_file(kTiny / "tokenizer.json"));
  EXPECT_EQ(read_file(dir / "merged" / "merge_config.yaml"), text);
  // The merged folder is a model: it loads and runs.
  torch::NoGradGuard no_grad;
  auto merged = nn::load_llama_model(dir / "merged");
  EXPECT_TRUE(torch::isfinite(merged->forward(torch::tensor({{1, 2, 3}}))).all().item<bool>());
  fs::remove_all(dir);
}

TEST(MergeCheckpoints, ASoupOfOneModelIsThatModelAndDtypeIsHonoured) {
  auto dir = temp_dir("same");
  auto a = perturbed_copy(kTiny, dir / "a", 1);
  merge_checkpoints(parse_merge_config(two_model_recipe(a, a, 0.5, 0.5), "r"), dir / "same", false);
  for (const auto& name : nn::SafetensorsCheckpoint::open(a).names())
    EXPECT_TRUE(torch::allclose(tensor_of(dir / "same", name), tensor_of(a, name), 0, 1e-7)) << name;

  merge_checkpoints(parse_merge_config(two_model_recipe(a, a, 1, 1, "dtype: bfloat16\n"), "r"), dir / "bf16", false);
  auto checkpoint = nn::SafetensorsCheckpoint::open(dir / "bf16");
  for (const auto& name : checkpoint.names()) EXPECT_EQ(checkpoint.get(name).entry->dtype, nn::TensorDtype::kBF16) << name;
  EXPECT_EQ(load_json_file(dir / "bf16" / "config.json")["torch_dtype"], "bfloat16");
  fs::remove_all(dir);
}

TEST(MergeCheckpoints, StorageDtypesMayDifferButNotIntegerAgainstFloat) {
  auto dir = temp_dir("mixed");
  auto a = perturbed_copy(kTiny, dir / "a", 1);
  {
    torch::NoGradGuard no_grad;
    auto model = nn::load_llama_model(perturbed_copy(kTiny, dir / "b32", 2));
    nn::save_llama_model(model, dir / "b16", nn::TensorDtype::kBF16);
    nn::copy_model_files(kTiny, dir / "b16", nn::kTokenizerFiles);
  }
  merge_checkpoints(parse_merge_config(two_model_recipe(a, dir / "b16", 1, 1), "r"), dir / "out", false);
  auto checkpoint = nn::SafetensorsCheckpoint::open(dir / "out");
  for (const auto& name : checkpoint.names()) {
    EXPECT_EQ(checkpoint.get(name).entry->dtype, nn::TensorDtype::kF32) << name;  // the first model's storage
    auto expected = (tensor_of(a, name) + tensor_of(dir / "b16", name)) / 2.0;
    EXPECT_LE((tensor_of(dir / "out", name) - expected).abs().max().item<double>(), 1e-6) << name;
  }
  // The same tensor names and shapes, one of them stored as integers.
  auto source = nn::SafetensorsCheckpoint::open(a);
  std::vector<torch::Tensor> storage;
  std::vector<nn::TensorToWrite> tensors;
  for (const auto& name : source.names()) {
    auto view = source.get(name);
    if (name == "model.norm.weight") {
      storage.push_back(torch::ones(view.entry->shape, torch::kInt32));
      tensors.push_back({name, nn::TensorDtype::kI32, view.entry->shape,
                         std::string_view(static_cast<const char*>(storage.back().data_ptr()), view.size_bytes)});
    } else {
      tensors.push_back({name, view.entry->dtype, view.entry->shape,
                         std::string_view(reinterpret_cast<const char*>(view.data), view.size_bytes)});
    }
  }
  fs::create_directories(dir / "int");
  nn::write_safetensors(dir / "int" / "model.safetensors", tensors);
  fs::copy_file(a / "config.json", dir / "int" / "config.json");
  nn::copy_model_files(kTiny, dir / "int", nn::kTokenizerFiles);
  auto message = error_of([&] { merge_checkpoints(parse_merge_config(two_model_recipe(a, dir / "int", 1, 1), "r"), dir / "bad", false); });
  EXPECT_NE(message.find("model.norm.weight is stored as F32 against I32"), std::string::npos) << message;
  fs::remove_all(dir);
}

TEST(MergeCheckpoints, RefusesInputsThatCannotBeMerged) {
  auto dir = temp_dir("refuse");
  auto a = perturbed_copy(kTiny, dir / "a", 1), b = perturbed_copy(kTiny, dir / "b", 2);
  auto merge = [&](const std::string& text, const fs::path& out) {
    return error_of([&] { merge_checkpoints(parse_merge_config(text, "r"), out, false); });
  };
  // Another architecture: the first differing config.json key is named.
  auto other = perturbed_copy(kModels / "llama_gqa", dir / "other", 3);
  EXPECT_NE(merge(two_model_recipe(a, other, 1, 1), dir / "out").find("differ in config.json"), std::string::npos);
  // Another tokenizer.
  write_file_atomic(b / "tokenizer_config.json", "{\"model_max_length\": 7}\n");
  EXPECT_NE(merge(two_model_recipe(a, b, 1, 1), dir / "out").find("different tokenizer_config.json"), std::string::npos);
  nn::copy_model_files(kTiny, b, nn::kTokenizerFiles);
  // A missing tensor.
  {
    auto checkpoint = nn::SafetensorsCheckpoint::open(b);
    std::vector<std::string> kept;
    std::vector<torch::Tensor> storage;
    std::vector<nn::TensorToWrite> tensors;
    for (const auto& name : checkpoint.names()) {
      if (name == "model.norm.weight") continue;
      auto view = checkpoint.get(name);
      tensors.push_back({name, view.entry->dtype, view.entry->shape,
                         std::string_view(reinterpret_cast<const char*>(view.data), view.size_bytes)});
    }
    nn::write_safetensors(dir / "missing.safetensors", tensors);
  }
  fs::create_directories(dir / "missing");
  fs::copy_file(b / "config.json", dir / "missing" / "config.json");
  nn::copy_model_files(kTiny, dir / "missing", nn::kTokenizerFiles);
  fs::rename(dir / "missing.safetensors", dir / "missing" / "model.safetensors");
  EXPECT_NE(merge(two_model_recipe(a, dir / "missing", 1, 1), dir / "out").find("has no tensor model.norm.weight"),
            std::string::npos);
  // A quantized input, a missing folder, the output written over an input.
  nn::quantize_checkpoint(a, dir / "q8", "q8");
  EXPECT_NE(merge(two_model_recipe(a, dir / "q8", 1, 1), dir / "out").find("quantized"), std::string::npos);
  EXPECT_NE(merge(two_model_recipe(a, dir / "nowhere", 1, 1), dir / "out").find("no such checkpoint folder"),
            std::string::npos);
  EXPECT_NE(merge(two_model_recipe(a, b, 1, 1), b).find("is one of its inputs"), std::string::npos);
  EXPECT_NE(merge(two_model_recipe(a, a, 1, 1, "base_model: " + b.string() + "\n"), b).find("is one of its inputs"),
            std::string::npos);
  // Weights that cancel.
  EXPECT_NE(merge(two_model_recipe(a, b, 1, -1), dir / "out").find("sum to 0"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "out" / "model.safetensors"));  // nothing written by any refusal
  fs::remove_all(dir);
}

TEST(MergeCheckpoints, ANonFiniteInputIsNamed) {
  auto dir = temp_dir("nan");
  auto a = perturbed_copy(kTiny, dir / "a", 1);
  {
    torch::NoGradGuard no_grad;
    auto model = nn::load_llama_model(kTiny);
    model->named_parameters()["model.norm.weight"].fill_(std::numeric_limits<float>::quiet_NaN());
    nn::save_llama_model(model, dir / "nan");
    nn::copy_model_files(kTiny, dir / "nan", nn::kTokenizerFiles);
  }
  auto message = error_of([&] { merge_checkpoints(parse_merge_config(two_model_recipe(a, dir / "nan", 1, 1), "r"), dir / "out", false); });
  EXPECT_NE(message.find("model.norm.weight is not finite"), std::string::npos) << message;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace t2sql::merge
