// run_text_generation(): the `t2sql generate` path with a real tokenizer (text prompt in, streamed
// text out), ids mode, and its argument errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <sstream>

#include "common/error.hpp"
#include "gen/text_generation.hpp"
#include "nn/checkpoint.hpp"
#include "text/tokenizer.hpp"

namespace t2sql::gen {
namespace {

namespace fs = std::filesystem;
const fs::path kFixtures = fs::path(T2SQL_TEST_FIXTURES);

// A random 261-token model next to the tiny byte-level tokenizer fixture.
fs::path make_model_with_tokenizer() {
  auto dir = fs::temp_directory_path() / ("t2sql_textgen_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto config = nn::load_llama_config(kFixtures / "models" / "llama_gqa");
  config.vocab_size = 261;
  config.eos_token_ids = {260};
  config.original = nlohmann::json::object();
  torch::manual_seed(11);
  nn::LlamaModel model(config);
  nn::save_llama_model(model, dir);
  fs::copy(kFixtures / "tokenizers" / "tiny" / "tokenizer.json", dir / "tokenizer.json");
  return dir;
}

TEST(TextGeneration, PromptIsEncodedAndContinuationStreamedAsText) {
  auto dir = make_model_with_tokenizer();
  TextGenerationRequest request;
  request.model_directory = dir;
  request.prompt = "SELECT name FROM";
  request.config.max_new_tokens = 6;
  request.threads = 1;
  std::ostringstream text;
  auto result = run_text_generation(request, text);
  EXPECT_FALSE(result.tokens.empty());
  auto tokenizer = text::load_tokenizer(dir);
  std::vector<text::TokenId> ids(result.tokens.begin(), result.tokens.end());
  EXPECT_EQ(text.str(), tokenizer->decode(ids, /*skip_special=*/true) + "\n");

  // The same prompt as ids gives the same tokens; print_ids writes them on one line.
  TextGenerationRequest by_ids = request;
  by_ids.prompt.reset();
  auto encoded = tokenizer->encode("SELECT name FROM", true);
  by_ids.ids = std::vector<int64_t>(encoded.begin(), encoded.end());
  by_ids.print_ids = true;
  std::ostringstream printed;
  auto again = run_text_generation(by_ids, printed);
  EXPECT_EQ(again.tokens, result.tokens);
  std::string expected;
  for (std::size_t i = 0; i < result.tokens.size(); ++i) expected += (i ? " " : "") + std::to_string(result.tokens[i]);
  EXPECT_EQ(printed.str(), expected + "\n");
  fs::remove_all(dir);
}

TEST(TextGeneration, ArgumentErrors) {
  TextGenerationRequest request;
  request.model_directory = kFixtures / "models" / "llama_gqa";
  std::ostringstream out;
  EXPECT_THROW(run_text_generation(request, out), Error);  // neither prompt nor ids
  request.prompt = "x";
  request.ids = std::vector<int64_t>{1};
  EXPECT_THROW(run_text_generation(request, out), Error);  // both
  request.ids.reset();
  EXPECT_THROW(run_text_generation(request, out), Error);  // no tokenizer here
  EXPECT_EQ(parse_token_ids("1 2,3\n4"), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_THROW(parse_token_ids("1 -2"), Error);
  EXPECT_THROW(parse_token_ids("1 2x"), Error);
  EXPECT_THROW(parse_token_ids("  "), Error);
}

}  // namespace
}  // namespace t2sql::gen
