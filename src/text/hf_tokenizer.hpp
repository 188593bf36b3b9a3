// Hugging Face tokenizer.json with a BPE model: byte-level BPE (GPT-2, Llama-3, Qwen2/3) and
// SentencePiece-style BPE with byte fallback (Llama-2, Mistral: "▁" for spaces, <0xXX> tokens).
//
// Encoding follows the tokenizers library's pipeline:
//   1. added tokens that are not `normalized` are cut out of the text (leftmost-longest match;
//      `lstrip`/`rstrip` swallow neighbouring whitespace, `single_word` requires word boundaries);
//   2. each remaining section is normalized (NFC/NFD/NFKC/NFKD, Prepend, Replace, Lowercase,
//      Strip, Sequence); `normalized` added tokens are then cut out of the normalized text;
//   3. pre-tokenization splits sections into words (Split with the file's regex through PCRE2,
//      ByteLevel with or without its GPT-2 regex, Metaspace, Sequence);
//   4. BPE merges each word by merge rank (lowest rank first, leftmost on ties) with a priority
//      queue (O(n log n) per word); `ignore_merges` takes a whole word found in the vocabulary as
//      is; characters missing from the vocabulary become <0xXX> tokens under `byte_fallback`, else
//      the unk token (consecutive unks fused under `fuse_unk`);
//   5. with add_special, the post_processor (TemplateProcessing, ByteLevel, Sequence) adds its
//      special tokens.
// Decoding runs the decoder chain (ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace,
// Sequence) over the tokens' strings. Anything else in the file is refused at load time with
// Error(kUnsupported) naming the component, never silently ignored.
#pragma once

#include <filesystem>
#include <memory>

#include "text/tokenizer.hpp"

namespace t2sql::text {

// Parses tokenizer.json text; `source_name` names the file in error messages.
std::unique_ptr<Tokenizer> load_hf_tokenizer_json(std::string_view json_text, const std::string& source_name);
std::unique_ptr<Tokenizer> load_hf_tokenizer_file(const std::filesystem::path& path);

}  // namespace t2sql::text
