// Vocabulary transfer: each embedding row of the new tokenizer comes from the old row of the same
// piece, of the piece with a word-start marker, or of the old encoding of its text; every other
// parameter is kept. Quantized or LoRA models and a too-small model are errors.
#include "train/vocabulary_transfer.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "nn/lora.hpp"
#include "text/tokenizer_training.hpp"
#include "train/sft_trainer.hpp"

namespace t2sql::train {
namespace {
namespace fs = std::filesystem;

const std::string kSpace = "\xE2\x96\x81";

class VocabularyTransfer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("t2sql-vocabulary-transfer-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    {
      std::ofstream corpus(dir_ / "corpus.txt");
      for (int i = 0; i < 300; ++i)
        corpus << "stadium(Stadium_ID, Location, Capacity, Highest)\n"
               << "SELECT T1.Location , max(Capacity) FROM stadium AS T1 WHERE Highest > " << i << "\n";
    }
    for (bool separate : {false, true}) {
      text::TokenizerTrainingOptions options;
      options.input = dir_ / "corpus.txt";
      options.output_prefix = dir_ / (separate ? "separate" : "glued");
      options.vocab_size = 380;
      options.whitespace_piece = separate;
      text::train_tokenizer(options);
    }
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static std::unique_ptr<text::Tokenizer> tokenizer(const std::string& name) {
    return text::load_tokenizer(dir_ / (name + ".model"));
  }

  static nn::LlamaModel model_for(const text::Tokenizer& tokenizer, bool tied) {
    nlohmann::json json = {{"model_type", "llama"}, {"vocab_size", tokenizer.vocab_size()}, {"hidden_size", 16},
                           {"intermediate_size", 24}, {"num_hidden_layers", 1}, {"num_attention_heads", 2},
                           {"num_key_value_heads", 1}, {"max_position_embeddings", 64}, {"tie_word_embeddings", tied}};
    torch::manual_seed(3);
    nn::LlamaModel model(nn::parse_llama_config(json, "test"));
    initialize_scratch_weights(model, 0.2);
    return model;
  }

  static fs::path dir_;
};
fs::path VocabularyTransfer::dir_;

TEST_F(VocabularyTransfer, RowsComeFromTheSamePieceTheMarkedPieceOrTheOldEncoding) {
  auto from = tokenizer("glued");
  auto to = tokenizer("separate");
  for (bool tied : {true, false}) {
    SCOPED_TRACE(tied ? "tied" : "untied");
    nn::LlamaModel model = model_for(*from, tied);
    VocabularyTransferStats stats;
    nn::LlamaModel moved = transfer_vocabulary(model, *from, *to, &stats);
    EXPECT_EQ(moved->config().vocab_size, static_cast<int64_t>(to->vocab_size()));
    EXPECT_EQ(stats.same_piece + stats.marked_piece + stats.from_encoding + stats.mean_of_all, to->vocab_size());
    EXPECT_GT(stats.same_piece, 0u);
    EXPECT_GT(stats.marked_piece, 0u);

    auto old_parameters = model->named_parameters();
    auto new_parameters = moved->named_parameters();
    std::vector<std::string> tables = {"model.embed_tokens.weight"};
    if (!tied) tables.push_back("lm_head.weight");
    for (const std::string& table : tables) {
      SCOPED_TRACE(table);
      const torch::Tensor old_table = old_parameters[table];
      const torch::Tensor new_table = new_parameters[table];
      ASSERT_EQ(new_table.size(0), static_cast<int64_t>(to->vocab_size()));
      size_t marked_checked = 0, encoded_checked = 0;
      for (size_t id = 0; id < to->vocab_size(); ++id) {
        const std::string piece = to->id_to_piece(static_cast<text::TokenId>(id));
        const torch::Tensor row = new_table[static_cast<int64_t>(id)];
        if (auto same = from->piece_to_id(piece)) {
          EXPECT_TRUE(torch::equal(row, old_table[*same])) << piece;
        } else if (auto marked = from->piece_to_id(kSpace + piece)) {
          EXPECT_TRUE(torch::equal(row, old_table[*marked])) << piece;
          ++marked_checked;
        } else {
          const text::TokenId single[] = {static_cast<text::TokenId>(id)};
          std::vector<text::TokenId> old_ids = from->encode(to->decode(single, false), false);
          if (old_ids.empty()) continue;
          torch::Tensor expected = old_table.index_select(0, torch::tensor(std::vector<int64_t>(old_ids.begin(), old_ids.end()))).mean(0);
          EXPECT_TRUE(torch::allclose(row, expected)) << piece;
          ++encoded_checked;
        }
      }
      EXPECT_GT(marked_checked, 0u);
    }
    // Everything else is the old model's.
    for (const auto& item : new_parameters) {
      if (item.key() == "model.embed_tokens.weight" || item.key() == "lm_head.weight") continue;
      EXPECT_TRUE(torch::equal(item.value(), old_parameters[item.key()])) << item.key();
    }
  }
}

TEST_F(VocabularyTransfer, LoraModelsAndTooSmallModelsAreErrors) {
  auto from = tokenizer("glued");
  auto to = tokenizer("separate");
  nn::LlamaModel with_adapter = model_for(*from, true);
  nn::LoraConfig lora;
  lora.r = 2;
  nn::add_lora_adapters(with_adapter, lora);
  EXPECT_THROW(transfer_vocabulary(with_adapter, *from, *to), Error);

  nlohmann::json json = {{"model_type", "llama"}, {"vocab_size", 40}, {"hidden_size", 16}, {"intermediate_size", 24},
                         {"num_hidden_layers", 1}, {"num_attention_heads", 2}, {"num_key_value_heads", 1},
                         {"max_position_embeddings", 64}};
  nn::LlamaModel small(nn::parse_llama_config(json, "test"));
  EXPECT_THROW(transfer_vocabulary(small, *from, *to), Error);
}

}  // namespace
}  // namespace t2sql::train
