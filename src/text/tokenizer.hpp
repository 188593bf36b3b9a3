// The Tokenizer interface every model family goes through, and load_tokenizer(), which picks the
// implementation from what a path holds:
//   - a tokenizer.json (Hugging Face tokenizers format): HfTokenizer (hf_tokenizer.hpp)
//   - a SentencePiece .model: SentencePieceTokenizer (sentencepiece_tokenizer.hpp)
//   - a model folder: its tokenizer.json when present, else its tokenizer.model; the folder's
//     tokenizer_config.json (when present) supplies bos/eos tokens, add_bos_token and chat_template.
//
// Text in and out is UTF-8. encode() rejects invalid UTF-8 with Error(kInvalidArgument) naming the
// byte offset (the references cannot even represent such text); decode() of ids whose bytes do not
// form valid UTF-8 (a token boundary inside a character) replaces each broken sequence with U+FFFD,
// as the Hugging Face stack does (errors="replace").
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace t2sql::text {

using TokenId = int32_t;

// What tokenizer_config.json (or the tokenizer file itself) says about special tokens and chat.
struct TokenizerSettings {
  std::optional<TokenId> bos_id;
  std::optional<TokenId> eos_id;
  std::optional<TokenId> pad_id;
  std::string bos_token;      // text of the BOS token ("" when none)
  std::string eos_token;      // text of the EOS token ("" when none)
  std::string chat_template;  // Jinja source from tokenizer_config.json ("" when none)
  // SentencePiece models only: whether encode(add_special=true) prepends BOS / appends EOS.
  // (tokenizer.json files say this through their post_processor.)
  bool add_bos = true;
  bool add_eos = false;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Token ids of `text` (UTF-8). With add_special, the post-processing of the tokenizer adds its
  // special tokens (e.g. BOS for Llama-2; nothing for Qwen). Special-token text inside `text`
  // (e.g. "<|im_start|>") becomes that token, as in the reference implementations.
  virtual std::vector<TokenId> encode(std::string_view text, bool add_special) const = 0;

  // Raw bytes of the ids' text, without replacing broken UTF-8: what decode() builds on, and what
  // the streaming decoder needs. skip_special drops tokens marked special.
  virtual std::string decode_bytes(std::span<const TokenId> ids, bool skip_special) const = 0;

  // decode_bytes() with every invalid UTF-8 sequence replaced by U+FFFD.
  std::string decode(std::span<const TokenId> ids, bool skip_special) const;

  // The vocabulary entry of `id` as stored in the file (e.g. "Ġthe", "▁the", "<0x0A>").
  // Throws Error(kInvalidArgument) for an id outside [0, vocab_size()).
  virtual std::string id_to_piece(TokenId id) const = 0;
  virtual std::optional<TokenId> piece_to_id(std::string_view piece) const = 0;

  // Number of ids, added tokens included (one more than the largest id).
  virtual size_t vocab_size() const = 0;
  virtual bool is_special(TokenId id) const = 0;

  const TokenizerSettings& settings() const { return settings_; }
  TokenizerSettings& mutable_settings() { return settings_; }

  // A short description for people: "tokenizer.json BPE (byte-level), 151669 ids".
  virtual std::string describe() const = 0;

 protected:
  // Throws Error(kInvalidArgument) unless 0 <= id < vocab_size().
  void check_id(TokenId id) const;

  TokenizerSettings settings_;
};

// Loads a tokenizer.json, a SentencePiece .model, or a model folder (see the top of this file).
// Errors: kNotFound for a missing path or a folder with neither file, kParse for a malformed
// file, kUnsupported naming the component this implementation does not handle.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path);

// Applies a tokenizer_config.json (bos_token/eos_token/pad_token as strings or {"content": ...}
// objects, add_bos_token, add_eos_token, chat_template) to `tokenizer`.
void apply_tokenizer_config(Tokenizer& tokenizer, const std::filesystem::path& config_path);

}  // namespace t2sql::text
