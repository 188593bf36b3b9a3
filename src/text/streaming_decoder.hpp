// Token-by-token decoding for printing a generation as it happens. push(id) returns the text that
// became final with this token and never a broken UTF-8 sequence: bytes of a character split
// across tokens are held back until the character is complete. The concatenation of every push()
// and finish() equals tokenizer.decode(all ids).
//
// It decodes a small window (the token before the new ones plus the pending ones) and emits the
// difference from the window's previous text, so decoders that look at neighbours (Llama-2's
// leading-space Strip, Metaspace) behave as in a whole decode, at O(1) cost per token.
#pragma once

#include <string>
#include <vector>

#include "text/tokenizer.hpp"

namespace t2sql::text {

class StreamingDecoder {
 public:
  StreamingDecoder(const Tokenizer& tokenizer, bool skip_special) : tokenizer_(tokenizer), skip_special_(skip_special) {}

  // Adds one token; returns the newly completed text (possibly empty).
  std::string push(TokenId id);

  // Flushes what is held back; an incomplete trailing sequence comes out as U+FFFD.
  std::string finish();

 private:
  const Tokenizer& tokenizer_;
  bool skip_special_;
  std::vector<TokenId> window_;  // (1 context token + pending tokens)
  size_t context_tokens_ = 0;    // how many leading tokens of window_ are already printed
  size_t emitted_bytes_ = 0;     // bytes of decode(window_) already printed
  bool started_ = false;         // whether anything has been decoded yet
};

// Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence that could
// still be completed by more bytes (invalid sequences count as complete: they become U+FFFD).
size_t complete_utf8_prefix(std::string_view bytes);

}  // namespace t2sql::text
