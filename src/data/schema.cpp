#include "data/schema.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "sql/spider_parser.hpp"

namespace t2sql {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ascii_lower(a) == ascii_lower(b);
}

// Quotes an identifier for SQLite ("a""b").
std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

// Reads a tables.json field that must be an array, naming the entry when it is not.
const json& require_array(const json& entry, const char* field, const std::string& where) {
  auto it = entry.find(field);
  if (it == entry.end() || !it->is_array())
    fail(ErrorCode::kParse, "{}: field '{}' is missing or not an array", where, field);
  return *it;
}

// Reads the string at `value`, naming the field when it is not a string.
std::string require_string(const json& value, const std::string& where) {
  if (!value.is_string()) fail(ErrorCode::kParse, "{}: expected a string", where);
  return value.get<std::string>();
}

int require_index(const json& value, size_t limit, const std::string& where) {
  if (!value.is_number_integer()) fail(ErrorCode::kParse, "{}: expected an integer index", where);
  int64_t index = value.get<int64_t>();
  if (index < 0 || static_cast<size_t>(index) >= limit)
    fail(ErrorCode::kParse, "{}: index {} is out of range (0..{})", where, index,
         limit == 0 ? 0 : limit - 1);
  return static_cast<int>(index);
}

Schema parse_tables_json_entry(const json& entry, const std::string& where) {
  if (!entry.is_object()) fail(ErrorCode::kParse, "{}: expected an object", where);
  Schema schema;
  auto db_id = entry.find("db_id");
  if (db_id == entry.end()) fail(ErrorCode::kParse, "{}: field 'db_id' is missing", where);
  schema.db_id = require_string(*db_id, where + " field 'db_id'");
  const std::string at = fmt::format("{} (db_id {})", where, schema.db_id);

  const json& table_names = require_array(entry, "table_names_original", at);
  const json* natural_tables = entry.contains("table_names") && entry["table_names"].is_array()
                                   ? &entry["table_names"]
                                   : nullptr;
  for (size_t i = 0; i < table_names.size(); ++i) {
    Table table;
    table.name = require_string(table_names[i], fmt::format("{} table_names_original[{}]", at, i));
    if (natural_tables && i < natural_tables->size() && (*natural_tables)[i].is_string())
      table.natural_name = (*natural_tables)[i].get<std::string>();
    schema.tables.push_back(std::move(table));
  }

  // Columns are global indices into column_names_original; entry 0 is Spider's "*" (table -1).
  const json& columns = require_array(entry, "column_names_original", at);
  const json& types = require_array(entry, "column_types", at);
  const json* natural_columns = entry.contains("column_names") && entry["column_names"].is_array()
                                    ? &entry["column_names"]
                                    : nullptr;
  if (types.size() != columns.size())
    fail(ErrorCode::kParse, "{}: column_types has {} entries but column_names_original has {}", at,
         types.size(), columns.size());
  std::vector<std::pair<int, int>> column_location(columns.size(),
                                                   {-1, -1});  // (table, column in table)
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string col_at = fmt::format("{} column_names_original[{}]", at, i);
    const json& pair = columns[i];
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_integer())
      fail(ErrorCode::kParse, "{}: expected [table index, name]", col_at);
    int64_t table_index = pair[0].get<int64_t>();
    if (table_index == -1) continue;  // "*"
    int t = require_index(pair[0], schema.tables.size(), col_at + " table index");
    Column column;
    column.name = require_string(pair[1], col_at + " name");
    column.type = require_string(types[i], fmt::format("{} column_types[{}]", at, i));
    if (natural_columns && i < natural_columns->size() && (*natural_columns)[i].is_array() &&
        (*natural_columns)[i].size() == 2 && (*natural_columns)[i][1].is_string())
      column.natural_name = (*natural_columns)[i][1].get<std::string>();
    column_location[i] = {t, static_cast<int>(schema.tables[t].columns.size())};
    schema.tables[t].columns.push_back(std::move(column));
  }
  auto column_at = [&](const json& value, const std::string& where_key) -> std::pair<int, int> {
    int index = require_index(value, columns.size(), where_key);
    if (column_location[index].first < 0)
      fail(ErrorCode::kParse, "{}: column {} is '*', not a real column", where_key, index);
    return column_location[index];
  };

  // primary_keys holds column indices (newer releases may nest composite keys as arrays).
  const json& primary_keys = require_array(entry, "primary_keys", at);
  for (size_t i = 0; i < primary_keys.size(); ++i) {
    const std::string key_at = fmt::format("{} primary_keys[{}]", at, i);
    std::vector<json> parts = primary_keys[i].is_array() ? primary_keys[i].get<std::vector<json>>()
                                                         : std::vector<json>{primary_keys[i]};
    for (const json& part : parts) {
      auto [t, c] = column_at(part, key_at);
      schema.tables[t].columns[c].is_primary_key = true;
    }
  }
  const json& foreign_keys = require_array(entry, "foreign_keys", at);
  for (size_t i = 0; i < foreign_keys.size(); ++i) {
    const std::string key_at = fmt::format("{} foreign_keys[{}]", at, i);
    const json& pair = foreign_keys[i];
    if (!pair.is_array() || pair.size() != 2)
      fail(ErrorCode::kParse, "{}: expected [column, referenced column]", key_at);
    auto [from_t, from_c] = column_at(pair[0], key_at);
    auto [to_t, to_c] = column_at(pair[1], key_at);
    schema.foreign_keys.push_back(
        {schema.tables[from_t].name, schema.tables[from_t].columns[from_c].name,
         schema.tables[to_t].name, schema.tables[to_t].columns[to_c].name});
  }
  return schema;
}

std::string cell_text(const SqlValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  return sql_value_to_string(value);
}
}  // namespace

bool is_internal_table(std::string_view name) { return ascii_lower(name).rfind("sqlite_", 0) == 0; }

std::optional<size_t> Table::find_column(std::string_view column_name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (same_name(columns[i].name, column_name)) return i;
  return std::nullopt;
}

const Table* Schema::find_table(std::string_view table_name) const {
  for (const Table& table : tables)
    if (same_name(table.name, table_name)) return &table;
  return nullptr;
}

size_t Schema::column_count() const {
  size_t count = 0;
  for (const Table& table : tables) count += table.columns.size();
  return count;
}

std::map<std::string, Schema> load_tables_json(const fs::path& path) {
  const json document = load_json_file(path);
  if (!document.is_array())
    fail(ErrorCode::kParse, "{}: expected a JSON array of databases", path.string());
  std::map<std::string, Schema> schemas;
  for (size_t i = 0; i < document.size(); ++i) {
    Schema schema =
        parse_tables_json_entry(document[i], fmt::format("{}: entry {}", path.string(), i));
    std::string db_id = schema.db_id;
    if (!schemas.emplace(db_id, std::move(schema)).second)
      fail(ErrorCode::kParse, "{}: entry {}: db_id '{}' appears twice", path.string(), i, db_id);
  }
  return schemas;
}

Schema introspect_schema(const SchemaQueryFunction& query, std::string db_id, int sample_rows) {
  Schema schema;
  schema.db_id = std::move(db_id);
  // rowid order of sqlite_master is creation order, which is how the DDL reads.
  QueryResult tables = query(
      "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
      "ESCAPE '\\' ORDER BY rowid");
  for (const auto& row : tables.rows) {
    Table table;
    table.name = cell_text(row.at(0));
    if (const auto* sql = std::get_if<std::string>(&row.at(1))) table.create_sql = *sql;
    // table_info: cid, name, type, notnull, dflt_value, pk (1-based position in the key, 0 if none)
    QueryResult info = query(fmt::format("PRAGMA table_info({})", quote_identifier(table.name)));
    for (const auto& column_row : info.rows) {
      Column column;
      column.name = cell_text(column_row.at(1));
      column.type = cell_text(column_row.at(2));
      const auto* pk = std::get_if<int64_t>(&column_row.at(5));
      column.is_primary_key = pk && *pk > 0;
      table.columns.push_back(std::move(column));
    }
    if (sample_rows > 0)
      table.sample_rows =
          query(fmt::format("SELECT * FROM {} LIMIT {}", quote_identifier(table.name), sample_rows))
              .rows;
    schema.tables.push_back(std::move(table));
  }
  for (const Table& table : schema.tables) {
    // foreign_key_list: id, seq, table, from, to, on_update, on_delete, match
    QueryResult keys =
        query(fmt::format("PRAGMA foreign_key_list({})", quote_identifier(table.name)));
    for (const auto& key_row : keys.rows) {
      ForeignKey key{table.name, cell_text(key_row.at(3)), cell_text(key_row.at(2)), ""};
      if (std::holds_alternative<std::monostate>(key_row.at(4))) {
        // REFERENCES t without a column: the referenced table's primary key (column `seq` of it).
        const Table* target = schema.find_table(key.to_table);
        const auto* seq = std::get_if<int64_t>(&key_row.at(1));
        if (target && seq) {
          int64_t position = 0;
          for (const Column& column : target->columns)
            if (column.is_primary_key && position++ == *seq) key.to_column = column.name;
        }
      } else {
        key.to_column = cell_text(key_row.at(4));
      }
      schema.foreign_keys.push_back(std::move(key));
    }
  }
  return schema;
}

Schema introspect_sqlite_file(const SqlSandbox& sandbox, std::string db_id, int sample_rows) {
  return introspect_schema(
      [&](const std::string& sql) {
        QueryOutcome outcome = sandbox.run(sql);
        if (!outcome.ok())
          fail(ErrorCode::kSql, "{}: cannot read the schema ({}): {}", sandbox.path().string(), sql,
               outcome.error);
        return std::move(outcome.result);
      },
      std::move(db_id), sample_rows);
}

bool is_plain_identifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

spider::SpiderSchema to_spider_schema(const Schema& schema) {
  std::vector<spider::SpiderSchema::Table> tables;
  for (const Table& table : schema.tables) {
    spider::SpiderSchema::Table spider_table{ascii_lower(table.name), {}};
    for (const Column& column : table.columns) spider_table.columns.push_back(ascii_lower(column.name));
    tables.push_back(std::move(spider_table));
  }
  return spider::SpiderSchema(std::move(tables));
}

std::string spider_type_category(std::string_view declared_type) {
  const std::string type = ascii_lower(declared_type);
  auto has = [&](std::initializer_list<const char*> words) {
    for (const char* word : words)
      if (type.find(word) != std::string::npos) return true;
    return false;
  };
  if (has({"char", "text", "clob", "string"})) return "text";
  if (has({"bool", "bit"})) return "boolean";
  if (has({"date", "time", "year"})) return "time";
  if (has({"int", "real", "floa", "doub", "numeric", "dec", "number"})) return "number";
  return "others";
}

SchemaDifferences compare_schemas(const Schema& expected, const Schema& live) {
  SchemaDifferences out;
  for (const Table& table : expected.tables) {
    if (is_internal_table(table.name)) continue;
    const size_t differences_before = out.structural.size();
    const Table* other = live.find_table(table.name);
    if (!other) {
      out.structural.push_back(
          fmt::format("table {} is in tables.json but not in the database", table.name));
      continue;
    }
    for (const Column& column : table.columns) {
      auto index = other->find_column(column.name);
      if (!index) {
        out.structural.push_back(fmt::format(
            "column {}.{} is in tables.json but not in the database", table.name, column.name));
        continue;
      }
      const Column& live_column = other->columns[*index];
      if (column.is_primary_key && !live_column.is_primary_key)
        out.structural.push_back(
            fmt::format("{}.{} is a primary key in tables.json but not in the database", table.name,
                        column.name));
      const std::string live_category = spider_type_category(live_column.type);
      if (!live_column.type.empty() && column.type != "others" && live_category != column.type)
        out.types.push_back(fmt::format("{}.{}: tables.json says {}, the database declares {} ({})",
                                        table.name, column.name, column.type, live_column.type,
                                        live_category));
    }
    for (const Column& column : other->columns)
      if (!table.find_column(column.name))
        out.structural.push_back(fmt::format(
            "column {}.{} is in the database but not in tables.json", table.name, column.name));
    if (out.structural.size() == differences_before &&
        table.columns.size() == other->columns.size()) {
      for (size_t i = 0; i < table.columns.size(); ++i)
        if (!same_name(table.columns[i].name, other->columns[i].name)) {
          out.structural.push_back(
              fmt::format("table {}: columns are in another order", table.name));
          break;
        }
    }
  }
  for (const Table& table : live.tables)
    if (!expected.find_table(table.name))
      out.structural.push_back(
          fmt::format("table {} is in the database but not in tables.json", table.name));
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  std::set<Key> live_keys;
  for (const ForeignKey& key : live.foreign_keys)
    live_keys.insert({ascii_lower(key.from_table), ascii_lower(key.from_column),
                      ascii_lower(key.to_table), ascii_lower(key.to_column)});
  for (const ForeignKey& key : expected.foreign_keys)
    if (!live_keys.count({ascii_lower(key.from_table), ascii_lower(key.from_column),
                          ascii_lower(key.to_table), ascii_lower(key.to_column)}))
      out.structural.push_back(fmt::format(
          "foreign key {}.{} -> {}.{} is in tables.json but not declared in the database",
          key.from_table, key.from_column, key.to_table, key.to_column));
  return out;
}

}  // namespace t2sql
