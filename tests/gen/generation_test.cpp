// generate(): greedy equals the reference, batches with left padding equal one-by-one runs, beam
// search equals the transformers-semantics reference, samplers are seeded and honour top-k/top-p,
// stop tokens / strings, streaming callback and the constrained-decoding hook.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "common/error.hpp"
#include "gen/generation.hpp"
#include "nn/checkpoint.hpp"

namespace t2sql::gen {
namespace {

namespace fs = std::filesystem;
const fs::path kModels = fs::path(T2SQL_TEST_FIXTURES) / "models";

struct Fixture {
  nn::LlamaModel model{nullptr};
  std::shared_ptr<nn::SafetensorsFile> expected;
  torch::Tensor get(const std::string& name) const { return nn::tensor_from_view(*expected->find(name)).clone(); }
  std::vector<int64_t> ids(const std::string& name, int64_t row = -1) const {
    auto t = get(name);
    if (row >= 0) t = t[row];
    t = t.contiguous();
    return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  }
};

Fixture load(const std::string& name) {
  return {nn::load_llama_model(kModels / name), nn::SafetensorsFile::open(kModels / name / "expected.safetensors")};
}

GenerationConfig greedy_config(int64_t tokens) {
  GenerationConfig config;
  config.max_new_tokens = tokens;
  return config;
}

class PerModel : public ::testing::TestWithParam<std::string> {};

TEST_P(PerModel, GreedyMatchesReference) {
  auto fixture = load(GetParam());
  auto results = generate(fixture.model, {fixture.ids("input_ids", 0), fixture.ids("input_ids", 1)}, greedy_config(8));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].tokens, fixture.ids("greedy", 0));
  EXPECT_EQ(results[1].tokens, fixture.ids("greedy", 1));
  EXPECT_EQ(results[0].finish_reason, FinishReason::kLength);
}

TEST_P(PerModel, LeftPaddedBatchEqualsOneByOne) {
  auto fixture = load(GetParam());
  auto full = fixture.ids("input_ids", 0);
  std::vector<std::vector<int64_t>> prompts = {
      full, std::vector<int64_t>(full.begin(), full.begin() + 3), fixture.ids("input_ids", 1),
      std::vector<int64_t>(full.begin() + 2, full.begin() + 8)};
  auto batched = generate(fixture.model, prompts, greedy_config(6));
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    auto single = generate(fixture.model, {prompts[i]}, greedy_config(6));
    EXPECT_EQ(batched[i].tokens, single[0].tokens) << "prompt " << i;
    EXPECT_NEAR(batched[i].score, single[0].score, 1e-3);
  }
}

TEST_P(PerModel, BeamSearchMatchesReference) {
  auto fixture = load(GetParam());
  GenerationConfig config;
  config.max_new_tokens = 6;
  config.num_beams = 3;
  config.stop_token_ids = fixture.ids("beam_eos");
  auto results = generate(fixture.model, {fixture.ids("input_ids", 0)}, config);
  EXPECT_EQ(results[0].tokens, fixture.ids("beam_tokens"));
  EXPECT_NEAR(results[0].score, fixture.get("beam_score").item<double>(), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PerModel,
                         ::testing::Values("llama_gqa", "llama3_tied_rope", "qwen2_bias", "mistral_window",
                                           "mixtral_moe", "llama_bf16_headdim"));

TEST(Generation, BeamSearchLengthPenaltyAndEarlyStopping) {
  auto fixture = load("llama_gqa");
  GenerationConfig config;
  config.max_new_tokens = 6;
  config.num_beams = 3;
  config.stop_token_ids = fixture.ids("beam_eos");
  config.early_stopping = true;
  auto early = generate(fixture.model, {fixture.ids("input_ids", 0)}, config);
  EXPECT_LE(early[0].tokens.size(), 6u);
  // One beam is greedy-like search over a single path.
  config.num_beams = 1;
  config.stop_token_ids = {};
  auto one = generate(fixture.model, {fixture.ids("input_ids", 0)}, config);
  auto greedy = fixture.ids("greedy", 0);
  EXPECT_EQ(one[0].tokens, std::vector<int64_t>(greedy.begin(), greedy.begin() + 6));
}

TEST(Generation, SamplingIsSeededAndTopKOneIsGreedy) {
  auto fixture = load("llama_gqa");
  auto prompt = fixture.ids("input_ids", 0);
  GenerationConfig config;
  config.max_new_tokens = 8;
  config.temperature = 1.5;
  config.seed = 7;
  auto a = generate(fixture.model, {prompt}, config);
  auto b = generate(fixture.model, {prompt}, config);
  EXPECT_EQ(a[0].tokens, b[0].tokens);
  bool any_difference = false;
  for (uint64_t seed = 8; seed < 14 && !any_difference; ++seed) {
    config.seed = seed;
    any_difference = generate(fixture.model, {prompt}, config)[0].tokens != a[0].tokens;
  }
  EXPECT_TRUE(any_difference);
  config.top_k = 1;
  EXPECT_EQ(generate(fixture.model, {prompt}, config)[0].tokens, fixture.ids("greedy", 0));
  config.top_k = 0;
  config.top_p = 1e-6;  // only the most likely token survives
  EXPECT_EQ(generate(fixture.model, {prompt}, config)[0].tokens, fixture.ids("greedy", 0));
}

TEST(Generation, RepetitionPenaltyBreaksLoops) {
  auto fixture = load("llama3_tied_rope");  // greedy repeats one token
  auto prompt = fixture.ids("input_ids", 0);
  auto plain = generate(fixture.model, {prompt}, greedy_config(8));
  EXPECT_EQ(std::set<int64_t>(plain[0].tokens.begin(), plain[0].tokens.end()).size(), 1u);
  auto config = greedy_config(8);
  config.repetition_penalty = 50.0;
  auto penalized = generate(fixture.model, {prompt}, config);
  EXPECT_EQ(std::set<int64_t>(penalized[0].tokens.begin(), penalized[0].tokens.end()).size(), 8u);
}

TEST(Generation, StopTokensStopStringsAndCallback) {
  auto fixture = load("llama_gqa");
  auto prompt = fixture.ids("input_ids", 0);
  auto greedy = fixture.ids("greedy", 0);  // 24 19 3 47 ...
  auto config = greedy_config(8);
  config.stop_token_ids = {greedy[2]};
  auto stopped = generate(fixture.model, {prompt}, config);
  EXPECT_EQ(stopped[0].tokens, std::vector<int64_t>(greedy.begin(), greedy.begin() + 3));
  EXPECT_EQ(stopped[0].finish_reason, FinishReason::kStopToken);

  config.stop_token_ids = {};
  config.stop_strings = {"<3><47>"};
  GenerationHooks hooks;
  hooks.detokenize = [](const std::vector<int64_t>& ids) {
    std::string text;
    for (int64_t id : ids) text += "<" + std::to_string(id) + ">";
    return text;
  };
  std::vector<int64_t> streamed;
  hooks.on_token = [&](std::size_t sequence, int64_t token) {
    EXPECT_EQ(sequence, 0u);
    streamed.push_back(token);
    return true;
  };
  auto by_string = generate(fixture.model, {prompt}, config, hooks);
  EXPECT_EQ(by_string[0].tokens, std::vector<int64_t>(greedy.begin(), greedy.begin() + 4));
  EXPECT_EQ(by_string[0].finish_reason, FinishReason::kStopString);
  EXPECT_EQ(streamed, by_string[0].tokens);

  config.stop_strings = {};
  hooks.on_token = [](std::size_t, int64_t) { return false; };
  auto cancelled = generate(fixture.model, {prompt}, config, hooks);
  EXPECT_EQ(cancelled[0].tokens.size(), 1u);
  EXPECT_EQ(cancelled[0].finish_reason, FinishReason::kCallback);
}

TEST(Generation, LogitsProcessorConstrainsTokens) {
  auto fixture = load("llama_gqa");
  auto prompt = fixture.ids("input_ids", 0);
  GenerationHooks hooks;
  std::size_t calls = 0;
  hooks.logits_processor = [&](std::size_t sequence, const std::vector<int64_t>& ids, float* logits, int64_t vocab) {
    EXPECT_EQ(sequence, 0u);
    EXPECT_EQ(ids.size(), prompt.size() + calls);
    ++calls;
    for (int64_t id = 1; id < vocab; id += 2) logits[id] = -std::numeric_limits<float>::infinity();
  };
  for (int64_t beams : {1, 3}) {
    calls = 0;
    auto config = greedy_config(6);
    config.num_beams = beams;
    if (beams > 1) hooks.logits_processor = [](std::size_t, const std::vector<int64_t>&, float* logits, int64_t vocab) {
      for (int64_t id = 1; id < vocab; id += 2) logits[id] = -std::numeric_limits<float>::infinity();
    };
    auto result = generate(fixture.model, {prompt}, config, hooks);
    ASSERT_EQ(result[0].tokens.size(), 6u);
    for (int64_t token : result[0].tokens) EXPECT_EQ(token % 2, 0) << "beams " << beams;
  }
  // Forbidding everything is an error, not a silent pick.
  hooks.logits_processor = [](std::size_t, const std::vector<int64_t>&, float* logits, int64_t vocab) {
    std::fill(logits, logits + vocab, -std::numeric_limits<float>::infinity());
  };
  EXPECT_THROW(generate(fixture.model, {prompt}, greedy_config(2), hooks), Error);
}

// Constrained decoding can allow fewer tokens than there are beams: the beams that find nothing
// allowed die (-inf) instead of failing the search.
TEST(Generation, BeamSearchSurvivesFewerAllowedTokensThanBeams) {
  auto fixture = load("llama_gqa");
  auto prompt = fixture.ids("input_ids", 0);
  GenerationHooks hooks;
  // Two tokens allowed for two steps, then only the two stop tokens: the 2 x 2 best candidates of
  // the third step are all stops, so no beam can continue.
  hooks.logits_processor = [&](std::size_t, const std::vector<int64_t>& ids, float* logits, int64_t vocab) {
    bool opening = ids.size() - prompt.size() < 2;
    for (int64_t id = 0; id < vocab; ++id) {
      bool allowed = opening ? (id == 4 || id == 5) : (id == 7 || id == 9);
      if (!allowed) logits[id] = -std::numeric_limits<float>::infinity();
    }
  };
  auto config = greedy_config(6);
  config.num_beams = 2;
  config.stop_token_ids = {7, 9};
  auto result = generate(fixture.model, {prompt}, config, hooks);
  ASSERT_EQ(result[0].tokens.size(), 3u);
  EXPECT_TRUE(result[0].tokens[2] == 7 || result[0].tokens[2] == 9);
  EXPECT_EQ(result[0].finish_reason, FinishReason::kStopToken);
  ASSERT_FALSE(result[0].hypotheses.empty());
  for (const auto& hypothesis : result[0].hypotheses) EXPECT_TRUE(hypothesis.back() == 7 || hypothesis.back() == 9);
  // Without a stop token the single allowed path runs to the length limit.
  hooks.logits_processor = [](std::size_t, const std::vector<int64_t>&, float* logits, int64_t vocab) {
    for (int64_t id = 0; id < vocab; ++id) {
      if (id != 4) logits[id] = -std::numeric_limits<float>::infinity();
    }
  };
  config.stop_token_ids = {};
  result = generate(fixture.model, {prompt}, config, hooks);
  EXPECT_EQ(result[0].tokens, (std::vector<int64_t>(6, 4)));
  EXPECT_EQ(result[0].finish_reason, FinishReason::kLength);
}

TEST(Generation, BadRequestsAreErrors) {
  auto fixture = load("llama_gqa");  // context 64, vocab 48
  EXPECT_THROW(generate(fixture.model, {{}}, greedy_config(2)), Error);
  EXPECT_THROW(generate(fixture.model, {{1, 99}}, greedy_config(2)), Error);
  EXPECT_THROW(generate(fixture.model, {std::vector<int64_t>(64, 5)}, greedy_config(2)), Error);
  auto config = greedy_config(2);
  config.stop_strings = {"x"};
  EXPECT_THROW(generate(fixture.model, {{1, 2}}, config), Error);  // no detokenizer
  config = greedy_config(2);
  config.top_p = 0;
  EXPECT_THROW(generate(fixture.model, {{1, 2}}, config), Error);
  // Generation stops at the end of the context instead of failing.
  auto near_end = generate(fixture.model, {std::vector<int64_t>(60, 5)}, greedy_config(10));
  EXPECT_EQ(near_end[0].tokens.size(), 4u);
}

}  // namespace
}  // namespace t2sql::gen
