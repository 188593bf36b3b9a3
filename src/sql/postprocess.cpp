#include "sql/postprocess.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/ascii.hpp"
#include "common/edit_distance.hpp"
#include "sql/sql_lexer.hpp"

namespace t2sql {
namespace {

bool is_plain_identifier(std::string_view name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// The name as it should be written in the query: bare when plain, else double-quoted.
std::string quoted_if_needed(std::string_view name) {
  if (is_plain_identifier(name) && !is_sql_keyword(name)) return std::string(name);
  std::string result = "\"";
  for (char c : name) {
    result += c;
    if (c == '"') result += '"';
  }
  return result + "\"";
}

// The candidate nearest to `name` (first one on ties), or nullptr when there is none.
const std::string* nearest(std::string_view name, const std::vector<const std::string*>& candidates) {
  const std::string* best = nullptr;
  size_t best_distance = 0;
  for (const std::string* candidate : candidates) {
    size_t distance = levenshtein_distance(name, *candidate);
    if (best == nullptr || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

bool is_name(const SqlToken& token) {
  return token.kind == SqlTokenKind::kWord ? !is_sql_keyword(token.text) : token.kind == SqlTokenKind::kQuotedName;
}

bool is_punctuation(const std::vector<SqlToken>& tokens, size_t i, std::string_view text) {
  return i < tokens.size() && tokens[i].kind == SqlTokenKind::kPunctuation && tokens[i].text == text;
}

bool is_word(const std::vector<SqlToken>& tokens, size_t i, std::string_view word) {
  return i < tokens.size() && tokens[i].kind == SqlTokenKind::kWord && iequals(tokens[i].text, word);
}

// Words that end a FROM list.
bool ends_from_list(const SqlToken& token) {
  if (token.kind == SqlTokenKind::kPunctuation) return token.text == ")" || token.text == ";";
  if (token.kind != SqlTokenKind::kWord) return false;
  for (std::string_view word : {"where", "group", "order", "having", "limit", "on", "using", "union", "intersect",
                                "except", "select"}) {
    if (iequals(token.text, word)) return true;
  }
  return false;
}

// The text between two tokens on one line: comments and whitespace runs become one space, other
// bytes (the lexer skipped them) are kept.
std::string flatten_gap(std::string_view gap, bool at_start) {
  std::string result;
  bool pending_space = false;
  for (size_t i = 0; i < gap.size();) {
    if (gap.substr(i, 2) == "--") {
      size_t newline = gap.find('\n', i);
      i = newline == std::string_view::npos ? gap.size() : newline;
      pending_space = true;
    } else if (gap.substr(i, 2) == "/*") {
      size_t close = gap.find("*/", i + 2);
      i = close == std::string_view::npos ? gap.size() : close + 2;
      pending_space = true;
    } else if (std::isspace(static_cast<unsigned char>(gap[i]))) {
      ++i;
      pending_space = true;
    } else {
      if (pending_space && !(at_start && result.empty())) result += ' ';
      pending_space = false;
      result += gap[i++];
    }
  }
  if (pending_space && !(at_start && result.empty())) result += ' ';
  return result;
}

struct Edit {
  size_t begin, end;
  std::string text;
};

}  // namespace

const SchemaNames::Table* SchemaNames::find_table(std::string_view name) const {
  for (const Table& table : tables) {
    if (iequals(table.name, name)) return &table;
  }
  return nullptr;
}

bool SchemaNames::has_column(std::string_view column) const {
  for (const Table& table : tables) {
    for (const std::string& name : table.columns) {
      if (iequals(name, column)) return true;
    }
  }
  return false;
}

size_t levenshtein_distance(std::string_view a, std::string_view b) {
  return edit_distance(ascii_lower(a), ascii_lower(b));
}

std::string cut_at_first_semicolon(std::string_view text) {
  for (const SqlToken& token : lex_sql(text).tokens) {
    if (token.kind == SqlTokenKind::kPunctuation && token.text == ";") return std::string(text.substr(0, token.begin));
  }
  return std::string(text);
}

PostprocessResult postprocess_sql(std::string_view generated, const SchemaNames& schema, const PostprocessOptions& options) {
  PostprocessResult result;
  std::string sql = options.cut_at_semicolon ? cut_at_first_semicolon(generated) : std::string(generated);
  size_t start = sql.find_first_not_of(" \t\r\n");
  sql = start == std::string::npos ? std::string() : sql.substr(start);
  if (options.restore_select && !(sql.size() >= 6 && iequals(std::string_view(sql).substr(0, 6), "select"))) {
    sql = "SELECT " + sql;
  }

  std::vector<SqlToken> tokens = lex_sql(sql).tokens;
  std::vector<Edit> edits;
  if (!schema.tables.empty() && (options.fix_tables || options.fix_columns)) {
    std::vector<const std::string*> table_names;
    for (const auto& table : schema.tables) table_names.push_back(&table.name);
    std::set<std::string> aliases;          // lower-cased table aliases and column aliases
    std::vector<bool> is_table_reference(tokens.size(), false);
    bool in_from_list = false;
    for (size_t i = 0; i < tokens.size(); ++i) {
      const SqlToken& token = tokens[i];
      if (is_word(tokens, i, "as") && i + 1 < tokens.size() && is_name(tokens[i + 1])) aliases.insert(ascii_lower(tokens[i + 1].name()));
      if (is_word(tokens, i, "from") || is_word(tokens, i, "join")) {
        in_from_list = true;
        if (i + 1 < tokens.size() && is_name(tokens[i + 1])) {
          is_table_reference[i + 1] = true;
          // A bare alias right after the table name ("FROM singer T1").
          if (i + 2 < tokens.size() && is_name(tokens[i + 2]) && !is_punctuation(tokens, i + 3, ".")) {
            aliases.insert(ascii_lower(tokens[i + 2].name()));
          }
        }
        continue;
      }
      if (in_from_list && ends_from_list(token)) in_from_list = false;
      if (in_from_list && is_punctuation(tokens, i, ",") && i + 1 < tokens.size() && is_name(tokens[i + 1])) {
        is_table_reference[i + 1] = true;
      }
    }
    auto replace = [&](size_t i, const std::string& replacement) {
      result.replacements.push_back(tokens[i].name() + " -> " + replacement);
      edits.push_back({tokens[i].begin, tokens[i].end, quoted_if_needed(replacement)});
    };
    // Alias -> table, to fix qualified columns against the right table.
    auto table_of_qualifier = [&](const std::string& qualifier) -> const SchemaNames::Table* {
      if (const auto* table = schema.find_table(qualifier)) return table;
      for (size_t i = 0; i + 1 < tokens.size(); ++i) {
        if (!is_table_reference[i]) continue;
        size_t alias = is_word(tokens, i + 1, "as") ? i + 2 : i + 1;
        if (alias < tokens.size() && is_name(tokens[alias]) && iequals(tokens[alias].name(), qualifier)) {
          return schema.find_table(tokens[i].name());
        }
      }
      return nullptr;
    };
    for (size_t i = 0; i < tokens.size(); ++i) {
      const SqlToken& token = tokens[i];
      if (!is_name(token) || is_punctuation(tokens, i + 1, "(")) continue;
      std::string name = token.name();
      if (is_table_reference[i]) {
        if (options.fix_tables && schema.find_table(name) == nullptr) {
          if (const std::string* best = nearest(name, table_names)) replace(i, *best);
        }
        continue;
      }
      // A double-quoted word in a value position is usually a string ("France"), never a column to fix.
      if (!options.fix_columns || (token.kind == SqlTokenKind::kQuotedName && token.text[0] == '"')) continue;
      if (is_punctuation(tokens, i + 1, ".")) continue;  // a qualifier
      if (i > 0 && is_word(tokens, i - 1, "as")) continue;
      if (aliases.count(ascii_lower(name)) || schema.find_table(name) != nullptr) continue;
      const SchemaNames::Table* scope = nullptr;
      if (i >= 2 && is_punctuation(tokens, i - 1, ".") && is_name(tokens[i - 2])) scope = table_of_qualifier(tokens[i - 2].name());
      std::vector<const std::string*> columns;
      for (const auto& table : schema.tables) {
        if (scope != nullptr && &table != scope) continue;
        for (const auto& column : table.columns) columns.push_back(&column);
      }
      bool known = std::any_of(columns.begin(), columns.end(), [&](const std::string* c) { return iequals(*c, name); });
      if (known) continue;
      // A column of a subquery's alias or an unknown qualifier: leave it alone.
      if (scope == nullptr && i >= 2 && is_punctuation(tokens, i - 1, ".")) continue;
      if (const std::string* best = nearest(name, columns)) replace(i, *best);
    }
  }
  // Apply edits and flatten whitespace outside tokens.
  std::string output;
  size_t edit_index = 0;
  size_t position = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const SqlToken& token = tokens[i];
    std::string_view gap = std::string_view(sql).substr(position, token.begin - position);
    if (options.single_line) {
      output += flatten_gap(gap, output.empty());
    } else {
      output += gap;
    }
    if (edit_index < edits.size() && edits[edit_index].begin == token.begin) {
      output += edits[edit_index++].text;
    } else {
      output += token.text;
    }
    position = token.end;
  }
  if (!options.single_line) output += sql.substr(position);
  result.sql = output;
  return result;
}

}  // namespace t2sql
