// `t2sql tokenizer train`: trains a SentencePiece model (BPE or unigram) on a text file or on the
// prompt + completion texts of a `t2sql data prep` JSONL file. Deterministic with one thread:
// every sentence is used (no sampling, no shuffling).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
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
  // Every space becomes a piece of its own ("\u2581" as a user-defined symbol), so no other piece
  // starts with one and a word has the same pieces after a space, a dot or a bracket: "Name" in
  // a schema line "(Id, Name)" and in "T1.Name" or "max(Name)" are the same ids. By default
  // SentencePiece glues the space to the next word, so a name a model must copy from the prompt
  // into SQL is often spelled with other pieces there. Costs ~40% more tokens on Spider prompts.
  bool whitespace_piece = false;
  int threads = 1;
};

// The texts of field `key` ("prompt" or "completion") of a `t2sql data prep` record: the string
// itself, or the content of each message of a list ([{role, content}, ...]). Errors
// (kInvalidArgument) start with `where` ("file:line").
std::vector<std::string> prep_field_texts(const nlohmann::json& record, const char* key, const std::string& where);

// Trains and writes the model; returns the path of the .model file. Errors: kInvalidArgument for
// bad options (model type, vocabulary size, a JSONL line without prompt/completion, naming the
// line), kNotFound for a missing input.
std::filesystem::path train_tokenizer(const TokenizerTrainingOptions& options);

}  // namespace t2sql::text
