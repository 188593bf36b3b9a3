// A small SQL lexer for model output: words, quoted names, string literals, numbers and
// punctuation, each with its byte span, so post-processing can rewrite names in place and the
// prefix checker of constrained decoding can tell a finished token from one still being written.
// It follows SQLite's lexical rules where they matter here: '' inside a string, "" inside a
// quoted name, [name] and `name`, -- and /* */ comments (dropped), numbers like 1, 1.5, .5, 1e3.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace t2sql {

enum class SqlTokenKind {
  kWord,            // keyword or bare identifier: [A-Za-z_][A-Za-z0-9_$]* (non-ASCII bytes too)
  kQuotedName,      // "name", `name` or [name]  (SQLite may read "x" as a string: see below)
  kString,          // 'text'
  kNumber,          // 12, 1.5, .5, 1e-3, 0x1F
  kPunctuation,     // operators and ( ) , . ; * etc., longest match (<=, >=, !=, <>, ||, ==)
};

struct SqlToken {
  SqlTokenKind kind = SqlTokenKind::kWord;
  size_t begin = 0;       // byte offset in the lexed text
  size_t end = 0;         // one past the last byte
  std::string text;       // the token's bytes as written (quotes included)
  // False when the text ended inside this token: an unterminated string/quoted name/comment, or a
  // word or number that touches the end of the text (more characters could extend it).
  bool complete = true;

  // The name a word or quoted name denotes (quotes removed, doubled quotes undone).
  std::string name() const;
};

struct SqlLexResult {
  std::vector<SqlToken> tokens;
  // Bytes that start no token (e.g. '?', '@', a stray '\'); the lexer skips them and records
  // their offsets so callers can reject them.
  std::vector<size_t> invalid_offsets;
  bool unterminated_comment = false;
};

// Lexes `text`. Never throws; whitespace and comments are skipped.
SqlLexResult lex_sql(std::string_view text);

// ASCII case-insensitive equality (SQL keywords and identifiers).
bool iequals(std::string_view a, std::string_view b);

// True when `word` is a SQL keyword the Spider grammar uses (select, from, where, join, ...):
// such words are never identifiers to rewrite.
bool is_sql_keyword(std::string_view word);

}  // namespace t2sql
