#include "text/name_spelling.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

namespace t2sql::text {
namespace {

bool identifier_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

struct Span {
  size_t begin, end;
};

std::vector<Span> identifiers(std::string_view text) {
  std::vector<Span> spans;
  size_t i = 0;
  while (i < text.size()) {
    if (identifier_start(text[i]) && (i == 0 || !identifier_char(text[i - 1]))) {
      size_t end = i;
      while (end < text.size() && identifier_char(text[end])) ++end;
      spans.push_back({i, end});
      i = end;
    } else {
      ++i;
    }
  }
  return spans;
}

std::string upper(std::string_view word) {
  std::string out(word);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Words of SQL itself: a prompt holds some of them (CREATE TABLE, a primed SELECT), but the model
// writes them from its own vocabulary rather than copying them.
bool sql_word(std::string_view word) {
  static const std::set<std::string, std::less<>> kWords = {
      "SELECT", "FROM",  "WHERE", "AND",   "OR",     "NOT",     "IN",     "LIKE",    "BETWEEN", "IS",
      "NULL",   "AS",    "JOIN",  "ON",    "GROUP",  "BY",      "ORDER",  "HAVING",  "LIMIT",   "ASC",
      "DESC",   "DISTINCT", "COUNT", "SUM", "AVG",    "MIN",     "MAX",    "UNION",   "INTERSECT", "EXCEPT",
      "EXISTS", "CREATE", "TABLE", "INSERT", "INTO", "VALUES",  "PRIMARY", "FOREIGN", "KEY",     "REFERENCES",
      "INTEGER", "TEXT", "REAL",  "NUMBER", "VARCHAR", "INT",   "CASE",   "WHEN",    "THEN",    "ELSE",
      "END",    "LEFT",  "INNER", "OUTER", "CAST",   "ALL"};
  return kWords.contains(upper(word));
}

bool table_alias(std::string_view word) {
  return word.size() >= 2 && (word[0] == 'T' || word[0] == 't') &&
         std::all_of(word.begin() + 1, word.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

std::string context_of(std::string_view answer, size_t begin) {
  if (begin == 0) return "start";
  switch (answer[begin - 1]) {
    case ' ': return "space";
    case '.': return "dot";
    case '(': return "bracket";
    default: return "other";
  }
}

bool only_whitespace(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

bool contains_run(const std::vector<TokenId>& haystack, const std::vector<TokenId>& needle) {
  return !needle.empty() && std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

}  // namespace

NameSpellingReport check_name_spelling(const Tokenizer& tokenizer, const std::vector<PromptAnswer>& records) {
  NameSpellingReport report;
  report.records = records.size();
  for (size_t r = 0; r < records.size(); ++r) {
    const PromptAnswer& record = records[r];
    std::set<std::string, std::less<>> prompt_names;
    for (Span span : identifiers(record.prompt)) prompt_names.insert(record.prompt.substr(span.begin, span.end - span.begin));
    const std::vector<TokenId> prompt_ids = tokenizer.encode(record.prompt, false);
    bool any_respelled = false;
    for (Span span : identifiers(record.answer)) {
      std::string_view name = std::string_view(record.answer).substr(span.begin, span.end - span.begin);
      if (!prompt_names.contains(name) || sql_word(name) || table_alias(name)) continue;
      const std::vector<TokenId> before = tokenizer.encode(std::string_view(record.answer).substr(0, span.begin), false);
      const std::vector<TokenId> through = tokenizer.encode(std::string_view(record.answer).substr(0, span.end), false);
      bool same = false;
      if (through.size() > before.size() && std::equal(before.begin(), before.end(), through.begin())) {
        std::vector<TokenId> ids(through.begin() + static_cast<std::ptrdiff_t>(before.size()), through.end());
        // A space that is a piece of its own belongs to neither the name nor its spelling.
        while (ids.size() > 1 && only_whitespace(tokenizer.decode(std::span<const TokenId>(ids.data(), 1), false))) ids.erase(ids.begin());
        same = contains_run(prompt_ids, ids);
      }
      NameCount& context = report.by_context[context_of(record.answer, span.begin)];
      ++context.names;
      ++report.all.names;
      if (!same) {
        ++context.respelled;
        ++report.all.respelled;
        any_respelled = true;
      }
    }
    if (any_respelled) report.respelled_records.push_back(r);
  }
  return report;
}

}  // namespace t2sql::text
