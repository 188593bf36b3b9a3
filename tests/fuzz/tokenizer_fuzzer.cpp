// libFuzzer target for tokenizer.json tokenizers (T2SQL_FUZZ_TOKENIZER names the file; the build
// sets a default). Properties, for any input:
//   - valid UTF-8 text encodes without error to ids inside the vocabulary, and decodes back to
//     the same text when the tokenizer does not normalize (checked once at start-up);
//   - the streaming decoder's pieces are valid UTF-8 and concatenate to the whole decode;
//   - the input read as arbitrary ids decodes without error to valid UTF-8.
// Invalid UTF-8 must be refused with t2sql::Error, never crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/utf8.hpp"
#include "text/streaming_decoder.hpp"
#include "text/tokenizer.hpp"

namespace {

struct Loaded {
  std::unique_ptr<t2sql::text::Tokenizer> tokenizer;
  bool round_trips = false;
};

const Loaded& loaded() {
  static const Loaded instance = [] {
    const char* path = std::getenv("T2SQL_FUZZ_TOKENIZER");
    Loaded result;
    result.tokenizer = t2sql::text::load_tokenizer(path != nullptr ? path : T2SQL_FUZZ_DEFAULT_TOKENIZER);
    // A decomposed accent survives encode + decode only when there is no normalizer.
    const std::string probe = "e\xCC\x81 caf\xC3\xA9  x";
    auto ids = result.tokenizer->encode(probe, false);
    result.round_trips = result.tokenizer->decode_bytes(ids, false) == probe;
    std::fprintf(stderr, "tokenizer_fuzzer: %s (round trip %s)\n", result.tokenizer->describe().c_str(),
                 result.round_trips ? "checked" : "not checked: the tokenizer normalizes");
    return result;
  }();
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Loaded& state = loaded();
  const t2sql::text::Tokenizer& tokenizer = *state.tokenizer;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t vocab = tokenizer.vocab_size();

  if (!t2sql::find_invalid_utf8(text)) {
    auto ids = tokenizer.encode(text, false);
    for (auto id : ids) {
      if (id < 0 || static_cast<size_t>(id) >= vocab) std::abort();
    }
    const std::string whole = tokenizer.decode(ids, false);
    if (state.round_trips && tokenizer.decode_bytes(ids, false) != text) std::abort();
    t2sql::text::StreamingDecoder stream(tokenizer, false);
    std::string streamed;
    for (auto id : ids) {
      std::string piece = stream.push(id);
      if (t2sql::find_invalid_utf8(piece)) std::abort();
      streamed += piece;
    }
    streamed += stream.finish();
    if (streamed != whole) std::abort();
  } else {
    try {
      tokenizer.encode(text, false);
      std::abort();  // invalid UTF-8 must be refused
    } catch (const t2sql::Error&) {
    }
  }

  // The bytes as ids (two bytes each), modulo the vocabulary.
  std::vector<t2sql::text::TokenId> ids;
  for (size_t i = 0; i + 1 < size; i += 2) ids.push_back(static_cast<t2sql::text::TokenId>((data[i] | (data[i + 1] << 8)) % vocab));
  const std::string decoded = tokenizer.decode(ids, false);
  if (t2sql::find_invalid_utf8(decoded)) std::abort();
  tokenizer.decode(ids, true);
  return 0;
}
