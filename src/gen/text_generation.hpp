// What `t2sql generate` does, as a library call: load a checkpoint (and its tokenizer when the
// prompt is text), generate, and write the continuation as text (streamed) or as token ids.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "gen/generation.hpp"
#include "text/tokenizer.hpp"

namespace t2sql::gen {

struct TextGenerationRequest {
  std::filesystem::path model_directory;
  std::optional<std::string> prompt;        // text: needs a tokenizer in the model directory
  std::optional<std::vector<int64_t>> ids;  // or token ids
  GenerationConfig config;                  // stop_token_ids default to the model's eos ids
  bool print_ids = false;                   // print the new ids, space-separated, on one line
  int threads = 0;                          // 0: every core
  bool timings = false;  // report prefill / decode rates and peak memory on `timings_out`
};

// Runs the request and writes to `out`: the new ids (print_ids, or no tokenizer available) or the
// decoded continuation streamed token by token. Errors: neither or both of prompt / ids, a text
// prompt without a tokenizer, and everything load_llama_model / generate report.
// With request.timings, one line goes to `timings_out`: prompt tokens, prefill tokens/s (prompt
// tokens over the time to the first new token), decode tokens/s (the tokens after the first), and the
// process's peak RSS.
GenerationResult run_text_generation(const TextGenerationRequest& request, std::ostream& out,
                                     std::ostream* timings_out = nullptr);

// The text of generated ids up to the first stop id, special tokens skipped. Generation returns the
// stop token with the answer (and a batch row may hold padding after it), and an end-of-turn marker
// such as `<|im_end|>` can be an ordinary user-defined piece that decode() keeps.
std::string decode_until_stop(const text::Tokenizer& tokenizer, std::span<const int64_t> ids,
                              std::span<const int64_t> stop_ids);

// Parses "1 2 3" (spaces or commas) into ids; Error(kInvalidArgument) naming the bad item.
std::vector<int64_t> parse_token_ids(const std::string& text);

}  // namespace t2sql::gen
