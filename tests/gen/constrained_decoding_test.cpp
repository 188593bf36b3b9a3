// ConstrainedSqlDecoder on real tokenizers: a correct continuation of "SELECT" must survive the
// mask token by token, whatever the tokenizer family does with leading spaces (SentencePiece
// drops the space of a decode's first piece; byte-level BPE keeps it).
#include "gen/constrained_decoding.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "text/tokenizer.hpp"

namespace t2sql::gen {
namespace {

const std::filesystem::path kRoot = T2SQL_TEST_SOURCE_DIR;

SchemaNames singer_schema() {
  SchemaNames names;
  names.tables = {{"singer", {"singer_id", "name", "country", "age"}}};
  return names;
}

// Feeds `answer` token by token after `prompt`, with the answer's token as the only high logit
// and a wrong keyword next to it, and checks which survive the mask.
void expect_answer_survives(const text::Tokenizer& tokenizer, const std::string& prompt, const std::string& answer) {
  std::vector<int64_t> ids;
  for (auto id : tokenizer.encode(prompt, true)) ids.push_back(id);
  const size_t prompt_length = ids.size();
  ConstrainedSqlDecoder decoder(tokenizer, singer_schema(), "SELECT", {prompt_length}, {}, {});
  auto process = decoder.processor();
  const int64_t vocab = static_cast<int64_t>(tokenizer.vocab_size());
  std::vector<int32_t> answer_ids = tokenizer.encode(answer, false);
  ASSERT_FALSE(answer_ids.empty());
  for (int32_t expected : answer_ids) {
    std::vector<float> logits(static_cast<size_t>(vocab), 0.0f);
    logits[static_cast<size_t>(expected)] = 10.0f;
    process(0, ids, logits.data(), vocab);
    EXPECT_TRUE(std::isfinite(logits[static_cast<size_t>(expected)]))
        << "token '" << tokenizer.id_to_piece(expected) << "' of '" << answer << "' was masked after "
        << ids.size() - prompt_length << " answer tokens";
    ids.push_back(expected);
  }
  // A name that is not in the schema is masked at one of its tokens (the first one that no
  // table or column name starts with).
  std::vector<int64_t> wrong_ids(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(prompt_length));
  bool masked = false;
  for (int32_t token : tokenizer.encode(" zzqx FROM singer", false)) {
    std::vector<float> logits(static_cast<size_t>(vocab), 0.0f);
    logits[static_cast<size_t>(token)] = 10.0f;
    process(0, wrong_ids, logits.data(), vocab);
    if (!std::isfinite(logits[static_cast<size_t>(token)])) {
      masked = true;
      break;
    }
    wrong_ids.push_back(token);
  }
  EXPECT_TRUE(masked) << "an unknown column survived the mask";
}

TEST(ConstrainedSqlDecoder, SentencePieceFirstPieceKeepsItsSpace) {
  auto tokenizer = text::load_tokenizer(kRoot / "models/default/tokenizer.model");
  expect_answer_survives(*tokenizer, "-- How many singers? \nSELECT", " count(*) FROM singer");
  expect_answer_survives(*tokenizer, "<|im_start|>assistant\n", " name ,  age FROM singer WHERE country  =  'France'");
}

TEST(ConstrainedSqlDecoder, ByteLevelBpeKeepsItsSpace) {
  auto tokenizer = text::load_tokenizer(kRoot / "tests/fixtures/tokenizers/tiny/tokenizer.json");
  expect_answer_survives(*tokenizer, "-- How many singers? \nSELECT", " count(*) FROM singer");
}

}  // namespace
}  // namespace t2sql::gen
