// How a tokenizer spells the names a text-to-SQL model copies from its prompt. The answer names
// tables and columns of the schema in the prompt, but a tokenizer that glues a space to the next
// word (SentencePiece's "▁Name", byte-level BPE's "ĠName") spells "Name" with other ids after a
// dot ("T1.Name") or a bracket ("max(Name)") than after the space of a schema line, so the model
// must learn a second spelling of every name instead of copying ids. `t2sql tokenizer
// name-spelling` reports how often that happens on prepared records, by what precedes the name.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "text/tokenizer.hpp"

namespace t2sql::text {

struct PromptAnswer {
  std::string prompt;  // the text the model reads (schema, question)
  std::string answer;  // the text it writes (the SQL, or its continuation after a primed SELECT)
};

struct NameCount {
  size_t names = 0;      // occurrences of prompt names in answers
  size_t respelled = 0;  // ... whose ids in the answer are not a run of the prompt's ids
};

struct NameSpellingReport {
  size_t records = 0;
  NameCount all;
  // By the character before the name in the answer: "space", "dot", "bracket", "start" (first
  // in the answer) or "other" (a quote, a comma, ...).
  std::map<std::string, NameCount> by_context;
  std::vector<size_t> respelled_records;  // 0-based indices of records with a respelled name
};

// A name is an identifier ([A-Za-z_][A-Za-z0-9_]*) of the answer that also occurs as an
// identifier in the prompt, other than SQL keywords and table aliases (T1, T2, ...). Its ids in
// the answer are those that encoding the answer up to its end adds to encoding the answer up to
// its start, less a leading id that is only a space; when the earlier ids change instead (the
// name merged with what precedes it), it counts as respelled.
NameSpellingReport check_name_spelling(const Tokenizer& tokenizer, const std::vector<PromptAnswer>& records);

}  // namespace t2sql::text
