#include "train/perplexity.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "common/error.hpp"
#include "nn/checkpoint.hpp"

namespace fs = std::filesystem;
using namespace t2sql;
using namespace t2sql::train;

namespace {

class Perplexity : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::path dir = fs::path(T2SQL_TEST_FIXTURES) / "models" / "text_to_sql_tiny";
    tokenizer_ = text::load_tokenizer(dir);
    model_ = nn::load_llama_model(dir);
    chat_template_ = resolve_chat_template("chatml", *tokenizer_);
    records_ = {record("How many singers are there?", " count(*) FROM singer"),
                record("List the names of all singers.", " name FROM singer ORDER BY name"),
                record("What is the oldest age?", " max(age) FROM singer")};
  }
  static SftRecord record(const std::string& question, const std::string& completion) {
    SftRecord r;
    r.prompt = {{"user", "singer(singer_id, name, age)\n\n-- " + question + "\nSELECT"}};
    r.completion = completion;
    return r;
  }
  // The loss recomputed from the model's logits, one example at a time, without the trainer's code.
  double direct_mean_loss() {
    c10::InferenceMode guard;
    double sum = 0;
    int64_t count = 0;
    for (const SftRecord& r : records_) {
      auto prompt = tokenizer_->encode(render_prompt(chat_template_, r), true);
      auto conversation = r.prompt;
      conversation.push_back({"assistant", r.completion});
      auto full = tokenizer_->encode(text::render_chat(chat_template_, conversation, false), true);
      auto ids = torch::tensor(std::vector<int64_t>(full.begin(), full.end()), torch::kInt64).unsqueeze(0);
      auto log_probs = torch::log_softmax(model_->forward(ids), -1)[0];
      for (size_t t = prompt.size(); t < full.size(); ++t) {
        sum -= log_probs[static_cast<int64_t>(t) - 1][full[t]].item<double>();
        ++count;
      }
    }
    return sum / static_cast<double>(count);
  }
  std::unique_ptr<text::Tokenizer> tokenizer_;
  nn::LlamaModel model_{nullptr};
  text::ChatTemplate chat_template_;
  std::vector<SftRecord> records_;
};

TEST_F(Perplexity, EqualsTheCompletionLossComputedFromTheLogits) {
  PerplexityReport report = completion_perplexity(model_, *tokenizer_, chat_template_, records_);
  EXPECT_EQ(report.examples, 3);
  EXPECT_EQ(report.truncated, 0);
  EXPECT_GT(report.target_tokens, 9);
  EXPECT_NEAR(report.mean_loss, direct_mean_loss(), 1e-4);
  EXPECT_NEAR(report.perplexity, std::exp(report.mean_loss), 1e-9);
}

TEST_F(Perplexity, BatchingAndPaddingDoNotChangeTheResult) {
  PerplexityOptions one;
  one.batch_size = 1;
  PerplexityOptions three;
  three.batch_size = 3;
  EXPECT_NEAR(completion_perplexity(model_, *tokenizer_, chat_template_, records_, one).mean_loss,
              completion_perplexity(model_, *tokenizer_, chat_template_, records_, three).mean_loss, 1e-5);
}

TEST_F(Perplexity, BadInputIsRefusedWithAReason) {
  EXPECT_THROW(completion_perplexity(model_, *tokenizer_, chat_template_, {}), Error);
  PerplexityOptions tiny;
  tiny.max_seq_length = 4;  // only prompt tokens survive the cut: nothing to score
  EXPECT_THROW(completion_perplexity(model_, *tokenizer_, chat_template_, records_, tiny), Error);
  PerplexityOptions zero;
  zero.batch_size = 0;
  EXPECT_THROW(completion_perplexity(model_, *tokenizer_, chat_template_, records_, zero), Error);
}

}  // namespace
