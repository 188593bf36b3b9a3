// SFT records from `t2sql data prep` (TRL's conversational prompt-completion JSONL), rendered with
// a chat template and tokenized into prompt / completion token lists ready for packing.
// Model-part header only by location; it needs no LibTorch.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "data/packing.hpp"
#include "text/chat_template.hpp"
#include "text/tokenizer.hpp"

namespace t2sql::train {

struct SftRecord {
  std::vector<text::ChatMessage> prompt;  // system + user turns (or the folded user turn)
  std::string completion;                 // the assistant's answer, e.g. " name FROM singer"
  std::string db_id;                      // "" when the record has none
  int line = 0;                           // 1-based line in its file
};

// Reads every record. Errors (kInvalidArgument) name the file and line: a record without a prompt
// list, without a completion, or with an empty completion.
std::vector<SftRecord> load_sft_records(const std::filesystem::path& path);

// The prompt as the model sees it at inference: the chat template with the assistant's opening.
std::string render_prompt(const text::ChatTemplate& chat_template, const SftRecord& record);

// Renders prompt + answer and splits it where the prompt ends: prompt tokens are encoded with the
// tokenizer's special tokens (BOS), completion tokens without, so the completion is exactly what
// generation must produce after the prompt (the end-of-turn token included).
std::vector<TokenizedExample> tokenize_records(const std::vector<SftRecord>& records, const text::Tokenizer& tokenizer,
                                            const text::ChatTemplate& chat_template);

// The template named by `name`, else the tokenizer's own (tokenizer_config.json), else "plain".
text::ChatTemplate resolve_chat_template(const std::string& name, const text::Tokenizer& tokenizer);

// The gold SQL of a record: "SELECT" + its completion (data prep removed the first SELECT).
std::string gold_query(const SftRecord& record);

// The reference pipeline's minimal post-processing: cut at the first ';', trim, prepend "SELECT "
// unless the text already starts with "select" (any case).
std::string postprocess_prediction(const std::string& generated);

}  // namespace t2sql::train
