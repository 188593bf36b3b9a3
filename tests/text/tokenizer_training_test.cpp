// `t2sql tokenizer train` options and the name-spelling report: with whitespace_piece a schema name
// is encoded with the same ids wherever it stands (after a space, a dot or a bracket); without it,
// SentencePiece glues the space to the word and the same name gets other ids after a dot.
#include "text/tokenizer_training.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "text/name_spelling.hpp"
#include "text/tokenizer.hpp"

namespace t2sql::text {
namespace {
namespace fs = std::filesystem;

class TokenizerTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("t2sql-tokenizer-training-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream corpus(dir_ / "corpus.txt");
    for (int i = 0; i < 300; ++i)
      corpus << "stadium(Stadium_ID, Location, Capacity, Highest)\n"
             << "SELECT T1.Location , max(Capacity) FROM stadium AS T1 WHERE Highest > " << i << "\n"
             << "SELECT Location FROM stadium ORDER BY Capacity DESC\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Tokenizer> trained(const std::string& name, bool whitespace_piece) {
    TokenizerTrainingOptions options;
    options.input = dir_ / "corpus.txt";
    options.output_prefix = dir_ / name;
    // 256 byte pieces, the specials and the characters take ~310 ids; the rest are merges, enough
    // for SentencePiece to glue the space to "▁Location" when it may.
    options.vocab_size = 380;
    options.whitespace_piece = whitespace_piece;
    return load_tokenizer(train_tokenizer(options));
  }

  // The ids of `word` when it follows `before` ("x" + before + word, minus the ids of "x" + before).
  static std::vector<TokenId> ids_after(const Tokenizer& tokenizer, const std::string& before, const std::string& word) {
    std::vector<TokenId> prefix = tokenizer.encode("x" + before, false);
    std::vector<TokenId> whole = tokenizer.encode("x" + before + word, false);
    EXPECT_TRUE(std::equal(prefix.begin(), prefix.end(), whole.begin())) << before << word;
    return {whole.begin() + static_cast<std::ptrdiff_t>(prefix.size()), whole.end()};
  }

  fs::path dir_;
};

TEST_F(TokenizerTraining, WhitespacePieceSpellsANameTheSameAfterASpaceADotAndABracket) {
  auto tokenizer = trained("separate", true);
  for (std::string name : {"Location", "Capacity", "Stadium_ID"}) {
    SCOPED_TRACE(name);
    // After a space the space is its own piece; the name's ids follow it.
    std::vector<TokenId> after_space = ids_after(*tokenizer, " ", name);
    ASSERT_GE(after_space.size(), 2u);
    std::vector<TokenId> spaced_name(after_space.begin() + 1, after_space.end());
    EXPECT_EQ(ids_after(*tokenizer, "T1.", name), spaced_name);
    EXPECT_EQ(ids_after(*tokenizer, "max(", name), spaced_name);
  }
  const std::string sql = "SELECT T1.Location , max(Capacity) FROM stadium AS T1";
  EXPECT_EQ(tokenizer->decode(tokenizer->encode(sql, false), false), sql);
}

TEST_F(TokenizerTraining, WithoutWhitespacePieceANameAfterADotHasOtherIds) {
  auto tokenizer = trained("glued", false);
  std::vector<TokenId> after_space = ids_after(*tokenizer, " ", "Location");
  std::vector<TokenId> after_dot = ids_after(*tokenizer, "T1.", "Location");
  EXPECT_NE(after_space, after_dot);
  EXPECT_EQ(std::search(after_space.begin(), after_space.end(), after_dot.begin(), after_dot.end()), after_space.end());
}

// The name-spelling report finds the names a glued tokenizer respells (after a dot, after a
// bracket) and none with a whitespace-piece tokenizer; keywords, aliases and words missing from
// the prompt are not names.
TEST_F(TokenizerTraining, NameSpellingCountsRespelledNamesByContext) {
  const std::vector<PromptAnswer> records = {
      {"stadium(Stadium_ID, Location, Capacity, Highest)\n-- Where is the largest one?\nSELECT",
       " T1.Location , max(Capacity) FROM stadium AS T1 WHERE Unknown_Column > 3"}};
  const NameSpellingReport glued = check_name_spelling(*trained("glued", false), records);
  EXPECT_EQ(glued.records, 1u);
  EXPECT_EQ(glued.all.names, 3u);  // Location, Capacity, stadium
  EXPECT_EQ(glued.by_context.at("dot").names, 1u);
  EXPECT_EQ(glued.by_context.at("dot").respelled, 1u);
  EXPECT_EQ(glued.by_context.at("space").names, 1u);
  EXPECT_EQ(glued.by_context.at("space").respelled, 0u);
  EXPECT_EQ(glued.by_context.at("bracket").names, 1u);
  EXPECT_EQ(glued.respelled_records, std::vector<size_t>{0});

  const NameSpellingReport separate = check_name_spelling(*trained("separate", true), records);
  EXPECT_EQ(separate.all.names, 3u);
  EXPECT_EQ(separate.all.respelled, 0u);
  EXPECT_TRUE(separate.respelled_records.empty());
}

}  // namespace
}  // namespace t2sql::text
