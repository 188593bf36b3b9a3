#include "sql/sql_lexer.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace t2sql {
namespace {

bool is_word_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool is_word_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

// Scans a quoted token starting at `begin` (the opening quote); `close` ends it and, for ' " `,
// a doubled closing quote stands for one. Returns the end offset and whether it was closed.
std::pair<size_t, bool> scan_quoted(std::string_view text, size_t begin, char close) {
  size_t i = begin + 1;
  while (i < text.size()) {
    if (text[i] == close) {
      if (close != ']' && i + 1 < text.size() && text[i + 1] == close) {
        i += 2;
        continue;
      }
      return {i + 1, true};
    }
    ++i;
  }
  return {text.size(), false};
}

// Scans a number at `begin`; the caller checked it starts with a digit or ".digit".
size_t scan_number(std::string_view text, size_t begin) {
  size_t i = begin;
  auto digits = [&] {
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  };
  if (text.substr(begin, 2) == "0x" || text.substr(begin, 2) == "0X") {
    i += 2;
    while (i < text.size() && std::isxdigit(static_cast<unsigned char>(text[i]))) ++i;
    return i;
  }
  digits();
  if (i < text.size() && text[i] == '.') {
    ++i;
    digits();
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    size_t exponent = i + 1;
    if (exponent < text.size() && (text[exponent] == '+' || text[exponent] == '-')) ++exponent;
    if (exponent < text.size() && std::isdigit(static_cast<unsigned char>(text[exponent]))) {
      i = exponent;
      digits();
    } else if (exponent >= text.size()) {
      i = text.size();  // "1e" or "1e-" at the end: an exponent may still follow
    }
  }
  return i;
}

constexpr std::array<std::string_view, 11> kTwoCharOperators = {"<=", ">=", "!=", "<>", "==", "||", "<<", ">>",
                                                                 "->", "::", ":="};

}  // namespace

std::string SqlToken::name() const {
  if (kind != SqlTokenKind::kQuotedName || text.empty()) return text;
  char open = text.front();
  char close = open == '[' ? ']' : open;
  std::string inner = text.substr(1, complete ? text.size() - 2 : text.size() - 1);
  if (open == '[') return inner;
  std::string result;
  for (size_t i = 0; i < inner.size(); ++i) {
    result += inner[i];
    if (inner[i] == close && i + 1 < inner.size() && inner[i + 1] == close) ++i;
  }
  return result;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_sql_keyword(std::string_view word) {
  static constexpr std::array<std::string_view, 52> kKeywords = {
      "select", "from",  "where",  "group",     "by",     "order", "having",  "limit",  "offset",  "join",  "inner",
      "left",   "right", "outer",  "cross",     "natural", "on",   "using",   "as",     "and",     "or",    "not",
      "in",     "like",  "glob",   "between",   "is",     "null",  "distinct", "all",   "count",   "sum",   "avg",
      "min",    "max",   "asc",    "desc",      "union",  "intersect", "except", "exists", "case", "when",  "then",
      "else",   "end",   "cast",   "collate",   "escape", "true",  "false",   "with"};
  return std::any_of(kKeywords.begin(), kKeywords.end(), [&](std::string_view k) { return iequals(k, word); });
}

SqlLexResult lex_sql(std::string_view text) {
  SqlLexResult result;
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isspace(c)) {
      ++i;
      continue;
    }
    if (text.substr(i, 2) == "--") {
      size_t newline = text.find('\n', i);
      i = newline == std::string_view::npos ? text.size() : newline + 1;
      continue;
    }
    if (text.substr(i, 2) == "/*") {
      size_t close = text.find("*/", i + 2);
      if (close == std::string_view::npos) {
        result.unterminated_comment = true;
        break;
      }
      i = close + 2;
      continue;
    }
    SqlToken token;
    token.begin = i;
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
      char close = c == '[' ? ']' : static_cast<char>(c);
      auto [end, closed] = scan_quoted(text, i, close);
      token.kind = c == '\'' ? SqlTokenKind::kString : SqlTokenKind::kQuotedName;
      token.end = end;
      token.complete = closed;
    } else if (std::isdigit(c) || (c == '.' && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
      token.kind = SqlTokenKind::kNumber;
      token.end = scan_number(text, i);
      token.complete = token.end < text.size();
    } else if (is_word_start(c)) {
      size_t end = i + 1;
      while (end < text.size() && is_word_char(static_cast<unsigned char>(text[end]))) ++end;
      token.kind = SqlTokenKind::kWord;
      token.end = end;
      token.complete = end < text.size();
    } else if (std::string_view("(),.;*=<>!+-/%|&~").find(static_cast<char>(c)) != std::string_view::npos) {
      token.kind = SqlTokenKind::kPunctuation;
      token.end = i + 1;
      std::string_view two = text.substr(i, 2);
      if (std::find(kTwoCharOperators.begin(), kTwoCharOperators.end(), two) != kTwoCharOperators.end()) token.end = i + 2;
      // "<", ">", "!", "|" at the very end may still grow into a two-character operator.
      token.complete = !(token.end == text.size() && std::string_view("<>!=|").find(static_cast<char>(c)) != std::string_view::npos);
    } else {
      result.invalid_offsets.push_back(i);
      ++i;
      continue;
    }
    token.text = std::string(text.substr(token.begin, token.end - token.begin));
    i = token.end;
    result.tokens.push_back(std::move(token));
  }
  return result;
}

}  // namespace t2sql
