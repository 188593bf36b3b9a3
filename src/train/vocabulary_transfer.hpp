// Vocabulary transfer: a trained model moves to another tokenizer without losing what its layers
// learned. Only the token embeddings (and an untied lm_head) depend on the vocabulary, so each row
// of the new table is built from the old one:
//   1. the same piece in the old vocabulary ("SELECT", "<|im_end|>", "<0x41>"): its row;
//   2. else the piece with a word-start marker ("Name" -> "▁Name" or "ĠName", as a tokenizer
//      that makes a space a piece of its own needs): that row;
//   3. else the mean of the rows of the old tokenizer's encoding of the piece's text;
//   4. else (no text, e.g. an unused control piece): the mean of all old rows.
// Used by the trainer (`vocabulary_transfer: true`) so the embedded model can change tokenizer and
// keep training instead of starting from scratch. Deterministic: no random draws.
#pragma once

#include <cstddef>

#include "nn/llama_model.hpp"
#include "text/tokenizer.hpp"

namespace t2sql::train {

struct VocabularyTransferStats {
  size_t same_piece = 0;     // rule 1
  size_t marked_piece = 0;   // rule 2
  size_t from_encoding = 0;  // rule 3
  size_t mean_of_all = 0;    // rule 4
};

// Returns the model (float32) for the tokenizer `to`, given that `model` was trained with `from`.
// Errors: a quantized or LoRA-carrying model; a tokenizer larger than the model's vocabulary
// (`from`).
nn::LlamaModel transfer_vocabulary(nn::LlamaModel& model, const text::Tokenizer& from, const text::Tokenizer& to,
                                   VocabularyTransferStats* stats = nullptr);

}  // namespace t2sql::train
