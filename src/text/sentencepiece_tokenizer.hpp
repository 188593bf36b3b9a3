// SentencePiece .model files (unigram or BPE) through libsentencepiece, behind the Tokenizer
// interface. Ids, pieces and BOS/EOS come from the model; tokenizer_config.json may override
// add_bos/add_eos (TokenizerSettings).
#pragma once

#include <filesystem>
#include <memory>

#include "text/tokenizer.hpp"

namespace t2sql::text {

std::unique_ptr<Tokenizer> load_sentencepiece_file(const std::filesystem::path& path);

// Loads a model from its serialized bytes (e.g. an embedded default model).
std::unique_ptr<Tokenizer> load_sentencepiece_bytes(std::string_view bytes, const std::string& source_name);

}  // namespace t2sql::text
