// `t2sql tokenizer train`: trains a SentencePiece model (BPE or unigram) on a text file or on the
// prompt + completion texts of a `t2sql data prep` JSONL file. Deterministic with one thread:
// every sentence is used (no sampling, no shuffling).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace t2sql::text {

struct TokenizerTrainingOptions {
  std::filesystem::path input;        // a UTF-8 text file, one sentence per line
  bool input_is_prep_jsonl = false;   // input is JSONL with "prompt" and "completion" strings
  std::filesystem::path output_prefix;  // writes <prefix>.model and <prefix>.vocab
  std::string model_type = "bpe";     // "bpe" or "unigram"
  int vocab_size = 8000;
  bool byte_fallback = true;
  std::vector<std::string> user_defined_symbols;  // e.g. SQL keywords kept as single pieces
  int threads = 1;
};

// Trains and writes the model; returns the path of the .model file. Errors: kInvalidArgument for
// bad options (model type, vocabulary size, a JSONL line without prompt/completion, naming the
// line), kNotFound for a missing input.
std::filesystem::path train_tokenizer(const TokenizerTrainingOptions& options);

}  // namespace t2sql::text
