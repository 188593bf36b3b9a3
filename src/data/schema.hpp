// Schema: the tables, columns, keys (and optionally the DDL text and a few sample rows) of one
// database. Built from Spider's tables.json or by introspecting a live SQLite database, so users
// can point t2sql at their own file. Names keep their original spelling; lookups ignore case
// (SQLite identifiers are case-insensitive, and Spider mixes cases between tables.json and files).
#pragma once

#include "common/ascii.hpp"  // ascii_lower: identifiers compare case-insensitively

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/sandbox.hpp"

namespace t2sql::spider {
class SpiderSchema;  // sql/spider_parser.hpp
}

namespace t2sql {

struct Column {
  std::string name;          // as stored in the database ("Department_ID")
  std::string natural_name;  // tables.json column_names ("department id"); empty from introspection
  std::string type;  // declared SQL type from a database ("int"), or Spider's category ("number")
  bool is_primary_key = false;
};

struct Table {
  std::string name;          // as stored in the database
  std::string natural_name;  // tables.json table_names; empty from introspection
  std::vector<Column> columns;
  std::string create_sql;  // the CREATE TABLE text as the database stores it; empty when unknown
  std::vector<std::vector<SqlValue>> sample_rows;  // (row, column): the first rows, when read

  // Index of the column named `name` (case-insensitive), or nullopt.
  std::optional<size_t> find_column(std::string_view name) const;
};

struct ForeignKey {
  std::string from_table, from_column;  // the referencing column
  std::string to_table, to_column;      // the referenced column
};

struct Schema {
  std::string db_id;
  std::vector<Table> tables;  // in database (or tables.json) order
  std::vector<ForeignKey> foreign_keys;

  // The table named `name` (case-insensitive), or nullptr.
  const Table* find_table(std::string_view name) const;
  size_t column_count() const;
};

// Loads every database of a Spider tables.json, keyed by db_id. Throws Error naming the file and
// the entry / field at fault when the file is missing, malformed, or refers to a column or table
// index that does not exist.
std::map<std::string, Schema> load_tables_json(const std::filesystem::path& path);

// Runs one read-only query and returns its rows; throws Error(kSql) naming the query on failure.
using SchemaQueryFunction = std::function<QueryResult(const std::string& sql)>;

// Reads the schema of a live database through `query`: tables from sqlite_master (internal
// `sqlite_*` tables skipped), columns and primary keys from PRAGMA table_info, foreign keys from
// PRAGMA foreign_key_list (a reference without a column resolves to the referenced primary key),
// the CREATE TABLE text, and the first `sample_rows` rows of each table (0 reads none).
Schema introspect_schema(const SchemaQueryFunction& query, std::string db_id, int sample_rows);

// introspect_schema() over a SqlSandbox (the database file opened read-only).
Schema introspect_sqlite_file(const SqlSandbox& sandbox, std::string db_id, int sample_rows);

// Spider's type category of a declared SQLite type: "text", "number", "time", "boolean" or
// "others" (the vocabulary of tables.json column_types).
std::string spider_type_category(std::string_view declared_type);

// Differences between a tables.json schema and an introspected one, in words.
// `structural` holds what breaks prompts or evaluation: a table or column missing on either side,
// columns in another order, a tables.json primary key or foreign key the database does not
// declare. Spider's own known gaps are not differences: tables.json lists only the first column
// of a composite primary key, omits a few declared foreign keys, and names differ in case.
// `types` holds columns whose declared type maps to another Spider category (an empty declared
// type and the category "others" accept anything).
struct SchemaDifferences {
  std::vector<std::string> structural;
  std::vector<std::string> types;
};
SchemaDifferences compare_schemas(const Schema& from_tables_json, const Schema& introspected);

// True when `name` is a table or column name SQL reads without quotes: ASCII letters, digits and
// '_', not starting with a digit.
bool is_plain_identifier(std::string_view name);

// The Spider parser's view of `schema` (lower-cased table and column names, in schema order): what
// rewrites of a gold query (renaming, qualifying) are checked against.
spider::SpiderSchema to_spider_schema(const Schema& schema);

// True for SQLite's own tables (sqlite_sequence, sqlite_stat1, ...). Introspection skips them;
// three Spider databases list sqlite_sequence in tables.json, which comparisons ignore.
bool is_internal_table(std::string_view name);

}  // namespace t2sql
