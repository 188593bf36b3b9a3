// Safetensors reader/writer and config.json parsing: valid files round-trip; every kind of corrupt
// input is a t2sql::Error naming the tensor; a seeded mutation fuzz loop never crashes.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "nn/llama_config.hpp"
#include "nn/safetensors.hpp"
#include "test_helpers.hpp"

namespace t2sql::nn {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) { return testing_support::temp_dir("nn", name); }

std::string make_file(const std::string& header_json, const std::string& data) {
  std::string out(8, '\0');
  uint64_t size = header_json.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((size >> (8 * i)) & 0xff);
  return out + header_json + data;
}

std::string error_of(const std::string& file) {
  try {
    parse_safetensors(file, "test.safetensors");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorrupt);
    return e.what();
  }
  return "";
}

TEST(Safetensors, WriteThenReadRoundTrip) {
  auto dir = temp_dir("roundtrip");
  std::vector<float> a = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
  std::vector<int8_t> b = {-3, 4, 5};
  std::vector<TensorToWrite> tensors = {
      {"a.weight", TensorDtype::kF32, {2, 3}, std::string_view(reinterpret_cast<char*>(a.data()), 24)},
      {"b", TensorDtype::kI8, {3}, std::string_view(reinterpret_cast<char*>(b.data()), 3)},
      {"empty", TensorDtype::kBF16, {0, 4}, std::string_view()},
  };
  write_safetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});
  auto file = SafetensorsFile::open(dir / "model.safetensors");
  EXPECT_EQ(file->header().metadata.at("format"), "pt");
  EXPECT_EQ((file->header().data_offset - 8) % 8, 0u);  // header padded to 8 bytes
  auto view = file->find("a.weight");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->entry->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::memcmp(view->data, a.data(), 24), 0);
  auto view_b = file->find("b");
  ASSERT_TRUE(view_b);
  EXPECT_EQ(view_b->entry->dtype, TensorDtype::kI8);
  EXPECT_EQ(static_cast<int8_t>(view_b->data[0]), -3);
  EXPECT_EQ(file->find("empty")->size_bytes, 0u);
  EXPECT_FALSE(file->find("missing"));
  fs::remove_all(dir);
}

// The one rule loading and merging share: floating storages convert into each other, integer
// tensors (token ids, quantized codes) never into anything but themselves.
TEST(Safetensors, FloatingStoragesAreInterchangeableIntegerOnesAreNot) {
  using enum TensorDtype;
  for (TensorDtype a : {kF32, kF16, kBF16}) {
    EXPECT_TRUE(is_floating(a));
    for (TensorDtype b : {kF32, kF16, kBF16}) EXPECT_TRUE(interchangeable_dtypes(a, b));
    for (TensorDtype b : {kI64, kI32, kI8, kU8}) {
      EXPECT_FALSE(interchangeable_dtypes(a, b));
      EXPECT_FALSE(interchangeable_dtypes(b, a));
    }
  }
  for (TensorDtype a : {kI64, kI32, kI8, kU8}) {
    EXPECT_FALSE(is_floating(a));
    for (TensorDtype b : {kI64, kI32, kI8, kU8}) EXPECT_EQ(interchangeable_dtypes(a, b), a == b);
  }
}

TEST(Safetensors, ShardedCheckpointWithIndex) {
  auto dir = temp_dir("sharded");
  std::vector<float> values(16, 1.0f);
  std::vector<TensorToWrite> tensors;
  for (int i = 0; i < 4; ++i) {
    values[0] = static_cast<float>(i);
    tensors.push_back({fmt::format("t{}", i), TensorDtype::kF32, {16},
                       std::string_view(reinterpret_cast<char*>(values.data()), 64)});
  }
  // All four share `values`' bytes at write time, so write one at a time into distinct buffers.
  std::vector<std::vector<float>> buffers(4, std::vector<float>(16, 1.0f));
  for (int i = 0; i < 4; ++i) {
    buffers[i][0] = static_cast<float>(i);
    tensors[i].bytes = std::string_view(reinterpret_cast<char*>(buffers[i].data()), 64);
  }
  auto written = write_safetensors_checkpoint(dir, tensors, 130);
  EXPECT_EQ(written.size(), 3u);  // two shards of 2 tensors + the index
  EXPECT_TRUE(fs::exists(dir / "model.safetensors.index.json"));
  auto checkpoint = SafetensorsCheckpoint::open(dir);
  EXPECT_EQ(checkpoint.names().size(), 4u);
  for (int i = 0; i < 4; ++i) {
    auto view = checkpoint.get(fmt::format("t{}", i));
    float first;
    std::memcpy(&first, view.data, 4);
    EXPECT_EQ(first, static_cast<float>(i));
  }
  try {
    checkpoint.get("nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos);
  }
  fs::remove_all(dir);
}

TEST(Safetensors, IndexPointingAtWrongShardIsAnError) {
  auto dir = temp_dir("badindex");
  std::vector<float> values(4, 0.0f);
  write_safetensors(dir / "a.safetensors",
                    {{"x", TensorDtype::kF32, {4}, std::string_view(reinterpret_cast<char*>(values.data()), 16)}});
  write_file_atomic(dir / "model.safetensors.index.json", R"({"weight_map": {"y": "a.safetensors"}})");
  EXPECT_THROW(SafetensorsCheckpoint::open(dir), Error);
  write_file_atomic(dir / "model.safetensors.index.json", R"({"weight_map": {"x": "../a.safetensors"}})");
  EXPECT_THROW(SafetensorsCheckpoint::open(dir), Error);
  fs::remove(dir / "model.safetensors.index.json");
  try {
    SafetensorsCheckpoint::open(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  fs::remove_all(dir);
}

TEST(Safetensors, CorruptHeadersNameTheProblem) {
  std::string data(8, '\0');
  EXPECT_NE(error_of("abc").find("truncated"), std::string::npos);
  // Length prefix larger than the file.
  std::string lying = make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data);
  lying[0] = static_cast<char>(0xff);
  EXPECT_NE(error_of(lying).find("past the end"), std::string::npos);
  EXPECT_NE(error_of(make_file("[1,2]", "")).find("JSON object"), std::string::npos);
  EXPECT_NE(error_of(make_file("{\"a\":", "")).find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(make_file(R"({"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", data)).find("'w': unsupported dtype"),
            std::string::npos);
  EXPECT_NE(error_of(make_file(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}})", data)).find("'w'"),
            std::string::npos);
  // Offsets that disagree with shape * dtype.
  EXPECT_NE(error_of(make_file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data)).find("need 12"),
            std::string::npos);
  EXPECT_NE(error_of(make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", data)).find("end before"),
            std::string::npos);
  // Overlap, gap, truncation, trailing bytes.
  EXPECT_NE(error_of(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data))
                .find("overlap or gap"),
            std::string::npos);
  EXPECT_NE(error_of(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data)).find("'a'"),
            std::string::npos);
  EXPECT_NE(error_of(make_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data)).find("truncated"),
            std::string::npos);
  EXPECT_NE(error_of(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", data)).find("trailing"),
            std::string::npos);
  EXPECT_NE(error_of(make_file(R"({"__metadata__":{"k":1}})", "")).find("__metadata__"), std::string::npos);
  EXPECT_NE(error_of(make_file(R"({"a":{"dtype":"F32","shape":[1]}})", data)).find("data_offsets"), std::string::npos);
  // Huge shapes must not overflow into a "valid" size.
  EXPECT_FALSE(error_of(make_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", data)).empty());
}

TEST(Safetensors, TruncatedFileOnDiskIsAnError) {
  auto dir = temp_dir("truncated");
  std::vector<float> values(64, 2.0f);
  write_safetensors(dir / "model.safetensors",
                    {{"w", TensorDtype::kF32, {64}, std::string_view(reinterpret_cast<char*>(values.data()), 256)}});
  fs::resize_file(dir / "model.safetensors", fs::file_size(dir / "model.safetensors") - 10);
  try {
    SafetensorsFile::open(dir / "model.safetensors");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorrupt);
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos);
  }
  EXPECT_THROW(SafetensorsFile::open(dir / "absent.safetensors"), Error);
  fs::remove_all(dir);
}

// Seeded mutation fuzzing of the header parser: any byte flips, truncations and length edits must
// end in success or t2sql::Error, never a crash or another exception type. (A libFuzzer entry point
// for clang builds is tests/fuzz/safetensors_fuzzer.cpp, run by scripts/test.sh.)
TEST(Safetensors, MutatedHeadersNeverCrash) {
  std::string data(24, '\x01');
  std::string valid = make_file(
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[16,24]}})",
      data);
  std::mt19937 rng(42);
  const std::string alphabet = "{}[]\":,0123456789-eE.FIBU \x00\xff";
  int errors = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string mutated = valid;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0: mutated[rng() % mutated.size()] = alphabet[rng() % alphabet.size()]; break;
        case 1: mutated.resize(rng() % (mutated.size() + 1)); break;
        case 2: if (mutated.size() > 8) mutated.erase(8 + rng() % (mutated.size() - 8), 1); break;
        case 3: if (!mutated.empty()) mutated[rng() % std::min<std::size_t>(8, mutated.size())] = static_cast<char>(rng()); break;
      }
      if (mutated.empty()) break;
    }
    try {
      parse_safetensors(mutated, "fuzz");
    } catch (const Error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 1000);
}

TEST(LlamaConfigTest, ParsesFieldsAndDefaults) {
  auto json = nlohmann::json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2,
    "vocab_size": 100, "rope_theta": 500000.0, "tie_word_embeddings": true,
    "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                     "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
    "eos_token_id": [5, 6], "bos_token_id": 1, "attention_bias": true})");
  auto config = parse_llama_config(json, "config.json");
  EXPECT_EQ(config.architecture, Architecture::kLlama);
  EXPECT_EQ(config.head_dim, 8);
  EXPECT_EQ(config.num_key_value_heads, 2);
  EXPECT_EQ(config.rope_scaling.type, "llama3");
  EXPECT_EQ(config.rope_scaling.original_max_position_embeddings, 8192);
  EXPECT_TRUE(config.tie_word_embeddings);
  EXPECT_TRUE(config.qkv_bias);
  EXPECT_TRUE(config.o_bias);
  EXPECT_EQ(config.eos_token_ids, (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(config.bos_token_ids, (std::vector<int64_t>{1}));
  auto round_trip = parse_llama_config(llama_config_to_json(config), "again");
  EXPECT_EQ(round_trip.rope_scaling.factor, 8.0);
  EXPECT_EQ(round_trip.head_dim, 8);

  auto qwen = parse_llama_config(nlohmann::json::parse(R"({"architectures":["Qwen2ForCausalLM"],
      "hidden_size": 32, "num_attention_heads": 4, "num_key_value_heads": 2})"), "q");
  EXPECT_TRUE(qwen.qkv_bias);
  EXPECT_FALSE(qwen.o_bias);
  auto mixtral = parse_llama_config(nlohmann::json::parse(R"({"architectures":["MixtralForCausalLM"],
      "hidden_size": 32, "num_attention_heads": 4, "num_key_value_heads": 2, "num_local_experts": 4, "num_experts_per_tok": 2})"), "m");
  EXPECT_TRUE(mixtral.is_moe());
  EXPECT_EQ(mixtral.num_local_experts, 4);
}

TEST(LlamaConfigTest, BadConfigsAreClearErrors) {
  auto expect_error = [](const char* text, ErrorCode code, const char* needle) {
    try {
      parse_llama_config(nlohmann::json::parse(text), "config.json");
      ADD_FAILURE() << "no error for " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error(R"({"architectures":["GPT2LMHeadModel"]})", ErrorCode::kUnsupported, "GPT2LMHeadModel");
  expect_error(R"({"architectures":["LlamaForCausalLM"],"rope_scaling":{"rope_type":"yarn","factor":2}})",
               ErrorCode::kUnsupported, "yarn");
  expect_error(R"({"architectures":["LlamaForCausalLM"],"hidden_size":"big"})", ErrorCode::kParse, "hidden_size");
  expect_error(R"({"architectures":["LlamaForCausalLM"],"num_attention_heads":6,"num_key_value_heads":4})",
               ErrorCode::kParse, "num_key_value_heads");
  expect_error(R"({"hidden_size":4})", ErrorCode::kParse, "architectures");
  expect_error(R"({"model_type":"bert"})", ErrorCode::kUnsupported, "bert");
  expect_error(R"({"architectures":["MixtralForCausalLM"],"num_local_experts":2,"num_experts_per_tok":3})",
               ErrorCode::kParse, "num_experts_per_tok");
}

}  // namespace
}  // namespace t2sql::nn
