// The incremental checker behind constrained decoding (PICARD-style): does a SQL prefix still have
// a completion that is a valid query of the Spider grammar over this schema?
//
// Grammar (what Spider's queries use, in SQLite's spelling):
//   query       := select [(UNION [ALL] | INTERSECT | EXCEPT) query]
//   select      := SELECT [DISTINCT | ALL] item {, item} [FROM source {join source [ON expr]}]
//                  [WHERE expr] [GROUP BY expr {, expr} [HAVING expr]]
//                  [ORDER BY expr [ASC|DESC] {, ...}] [LIMIT expr [OFFSET expr | , expr]]
//   source      := table [[AS] alias] | ( query ) [[AS] alias]
//   expr        := operands joined by AND OR = != <> < > <= >= + - * / % || LIKE GLOB, with
//                  NOT, IS [NOT], [NOT] IN (query | list), [NOT] BETWEEN x AND y, EXISTS (query),
//                  CASE ... END, CAST(x AS type), aggregates and common scalar functions
// Names: a table must be a schema table; a column `c` a column of some schema table (or an alias
// defined with AS); `q.c` needs `q` to be a table or alias of the query (aliases written later in
// the FROM clause are accepted until that FROM clause is complete) and `c` a column of q's table.
// The last token may be unfinished ("SEL", "singe", "'Fra", "<"): the prefix is viable when some
// completion of that token fits the grammar here. After the query, one ';' may follow, then nothing.
//
// Cost: a check lexes and parses the prefix once (linear in its length, no backtracking over
// the prefix); the constrained decoder checks only the top-k candidate tokens per step.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sql/postprocess.hpp"

namespace t2sql {

struct PrefixVerdict {
  bool viable = false;    // some continuation makes a valid query
  // The text is already a whole valid query (stopping here is fine). A word or number touching
  // the end of the text counts as unfinished, so check `sql + " "` to ask "may it stop here?".
  bool complete = false;
  std::string reason;     // why it is not viable (for tests and logs)
};

class SqlPrefixChecker {
 public:
  explicit SqlPrefixChecker(const SchemaNames& schema);

  // Checks `sql` (the text from the query's first keyword on). Never throws.
  PrefixVerdict check(std::string_view sql) const;

  // Lower-cased column names of a table (nullptr for an unknown table).
  const std::unordered_set<std::string>* columns_of(const std::string& lower_table) const;
  bool is_table(const std::string& lower_name) const { return tables_.count(lower_name) != 0; }
  bool is_column(const std::string& lower_name) const { return all_columns_.count(lower_name) != 0; }
  // Whether some table, column or grammar word starts with `lower_prefix`.
  bool is_prefix_of_known_word(std::string_view lower_prefix) const;
  // Whether some table or column name starts with `lower_prefix`.
  bool is_prefix_of_name(std::string_view lower_prefix) const;
  // Whether some table name starts with `lower_prefix` (what may follow FROM / JOIN).
  bool is_prefix_of_table(std::string_view lower_prefix) const;

 private:
  std::unordered_map<std::string, std::unordered_set<std::string>> tables_;  // table -> columns (lower case)
  std::unordered_set<std::string> all_columns_;
  std::vector<std::string> sorted_words_;  // tables, columns and grammar words, for prefix lookups
  std::vector<std::string> sorted_names_;  // tables and columns
  std::vector<std::string> sorted_tables_;
};

}  // namespace t2sql
