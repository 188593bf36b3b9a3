// Schema serializations, the text a model reads for a database.
//
//  kCreateTable (the reference pipeline's format): every CREATE TABLE statement as the database
//    stores it (CRLF turned into LF, ending in ";"), in database order, then up to `sample_rows`
//    `INSERT INTO <table> VALUES(...);` lines per table, all joined with "\n".
//  kCompact: one line per table `table(col, col, ...)` with primary-key columns marked
//    ` PRIMARY KEY`, then one line per foreign key `FOREIGN KEY t.c REFERENCES t2.c2`.
//  kQualified: kCompact with every column written beside its table, `table(table.col, ...)`, so
//    that the name of a column's table stands next to it wherever it occurs (the commonest wrong
//    answer of the small default model names a real column of the database in the wrong table).
//
// Output is deterministic (database order, no hashing). A budget (characters, or tokens through a
// counting callback) first drops sample rows (N-1, ..., 0 per table), then drops columns that are
// neither keys nor linked to the question, last column of the widest table first; a table that
// lost columns gets a CREATE TABLE regenerated from the schema.
#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "data/schema.hpp"

namespace t2sql {

enum class SchemaFormat { kCreateTable, kCompact, kQualified };

// "create", "compact" or "qualified"; throws Error(kInvalidArgument) otherwise.
SchemaFormat parse_schema_format(const std::string& name);
const char* schema_format_name(SchemaFormat format);
// Whether the format carries sample rows (only the CREATE TABLE format does).
inline bool has_sample_rows(SchemaFormat format) { return format == SchemaFormat::kCreateTable; }

struct SchemaBudget {
  size_t max_chars = 0;   // 0: no character limit
  size_t max_tokens = 0;  // 0: no token limit (needs count_tokens)
  std::function<size_t(std::string_view)> count_tokens;

  bool fits(std::string_view text) const;
};

struct SerializeOptions {
  SchemaFormat format = SchemaFormat::kCreateTable;
  int sample_rows = 3;           // INSERT rows per table (at most what the Schema holds)
  size_t max_value_chars = 100;  // longer text values are cut and end in "..." (0: never cut)
  SchemaBudget budget;
  // Columns linked to the question, as "table.column" lower-cased; the budget keeps them.
  std::set<std::string> linked_columns;
};

struct SerializedSchema {
  std::string text;
  int sample_rows = 0;  // rows per table left after the budget
  size_t dropped_columns = 0;
  bool fits = true;  // false when even the smallest form exceeds the budget
};

SerializedSchema serialize_schema(const Schema& schema, const SerializeOptions& options = {});

// A single row as an INSERT statement: `INSERT INTO name VALUES(1,'a''b',NULL,2.5);`.
std::string insert_statement(std::string_view table, const std::vector<SqlValue>& row,
                             size_t max_value_chars);

// A CREATE TABLE statement built from the schema (for tables without stored DDL, or trimmed).
std::string synthesize_create_table(const Schema& schema, const Table& table);

// A table or column name, double-quoted only when it is not a plain identifier.
std::string sql_identifier(std::string_view name);

}  // namespace t2sql
