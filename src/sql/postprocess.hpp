// Post-processing of generated SQL, the reference pipeline's three steps plus two of ours:
//  1. cut at the first ';' that is not inside a string or quoted name (the ';' is dropped);
//  2. restore the prefix: when the text does not start with "select" (any case, after leading
//     spaces), prepend "SELECT " (the prompt ends in SELECT, so the model writes the rest);
//  3. replace every table name after FROM / JOIN (and in a FROM list) that is not in the schema by
//     the schema table at the smallest Levenshtein distance (case-insensitive; ties: schema order);
//  4. (option, off by default) the same for column names: a bare or qualified name that is no
//     column, table, alias or function becomes the nearest column (of the qualifier's table when
//     it has one);
//  5. whitespace runs (newlines included) outside strings become one space, so the query fits on
//     one line of an official prediction file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace t2sql {

// The names of one database, as post-processing and the prefix checker need them. Original
// spelling; comparisons ignore ASCII case.
struct SchemaNames {
  struct Table {
    std::string name;
    std::vector<std::string> columns;
  };
  std::vector<Table> tables;

  const Table* find_table(std::string_view name) const;
  bool has_column(std::string_view column) const;  // in any table
};

struct PostprocessOptions {
  bool cut_at_semicolon = true;
  bool restore_select = true;
  bool fix_tables = true;
  bool fix_columns = false;
  bool single_line = true;
};

struct PostprocessResult {
  std::string sql;
  std::vector<std::string> replacements;  // "singers -> singer", in query order
};

// Levenshtein distance between the ASCII-lower-cased forms of `a` and `b` (bytes).
size_t levenshtein_distance(std::string_view a, std::string_view b);

// `text` up to its first ';' outside strings and quoted names (the whole text when none).
std::string cut_at_first_semicolon(std::string_view text);

// Applies the steps above to raw model output. Never throws; an empty schema disables 3 and 4.
PostprocessResult postprocess_sql(std::string_view generated, const SchemaNames& schema,
                                  const PostprocessOptions& options = {});

}  // namespace t2sql
