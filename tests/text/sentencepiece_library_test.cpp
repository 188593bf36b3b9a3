// SentencePiece through the bridge: train a small model with the library's trainer, then load,
// encode and decode with it.
#include "text/sentencepiece_library.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "common/file_io.hpp"

namespace t2sql::text {
namespace {
namespace fs = std::filesystem;

class SentencePieceLibrary : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("t2sql-spm-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream corpus(dir_ / "corpus.txt");
    for (int i = 0; i < 400; ++i)
      corpus << "SELECT count(*) FROM singer WHERE age > " << i << " ORDER BY name DESC\n"
             << "How many singers are older than " << i << " years?\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(SentencePieceLibrary, TrainsLoadsEncodesAndDecodes) {
  train_sentencepiece("--input=" + (dir_ / "corpus.txt").string() + " --model_prefix=" + (dir_ / "m").string() +
                      " --vocab_size=320 --hard_vocab_limit=false --model_type=bpe --byte_fallback=true --num_threads=1 --minloglevel=2");
  SentencePieceModel model(read_file(dir_ / "m.model"), "m.model");
  EXPECT_GT(model.piece_size(), 259);  // 256 byte pieces + unk, bos, eos + merges
  EXPECT_EQ(model.unk_id(), 0);
  EXPECT_TRUE(model.is_unknown(0));
  EXPECT_TRUE(model.is_control(model.bos_id()));
  const std::string text = "SELECT name FROM singer WHERE age > 30";
  const std::vector<int> ids = model.encode(text);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(model.decode(ids), text);
  const std::string unseen = "Zürich 東京";  // byte fallback keeps unseen characters
  EXPECT_EQ(model.decode(model.encode(unseen)), unseen);
  EXPECT_EQ(model.piece_to_id(model.id_to_piece(ids[0])), ids[0]);
  EXPECT_EQ(model.piece_to_id("no-such-piece-in-vocab"), model.unk_id());
}

TEST_F(SentencePieceLibrary, BadInputsAreErrors) {
  EXPECT_THROW(SentencePieceModel("this is not a protobuf", "junk.model"), Error);
  EXPECT_THROW(train_sentencepiece("--input=/nonexistent/corpus.txt --model_prefix=" + (dir_ / "x").string() +
                                   " --vocab_size=50 --minloglevel=2"),
               Error);
}

}  // namespace
}  // namespace t2sql::text
