// The parser of the official Spider `process_sql.py` (`get_sql`), reproduced with its quirks:
// table aliases come from every `x as y` in the whole query, the FROM clause is parsed first (from
// the first "from" token) to learn the default tables, column aliases are not understood,
// anything after the last clause is ignored, a failure anywhere (Python's AssertionError,
// KeyError, IndexError, ValueError) fails the whole query.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sql/spider_sql.hpp"

namespace t2sql {
class SqlSandbox;
}

namespace t2sql::spider {

// The official `Schema`: table name -> column names (all lower case), in the database's order,
// and the idMap ("*" -> "__all__", "t.c" -> "__t.c__", "t" -> "__t__").
class SpiderSchema {
 public:
  struct Table {
    std::string name;
    std::vector<std::string> columns;
  };

  SpiderSchema() = default;
  explicit SpiderSchema(std::vector<Table> tables);

  // `get_schema(db)`: the tables of sqlite_master (type='table', in its order, sqlite_sequence
  // included) and their columns from PRAGMA table_info, lower-cased.
  static SpiderSchema from_database(const SqlSandbox& database);

  const std::vector<Table>& tables() const { return tables_; }
  const Table* find_table(const std::string& lower_name) const;
  // idMap[key], or nullptr when the key is absent (Python's KeyError).
  const std::string* id(const std::string& key) const;
  // All idMap values, in the map's insertion order.
  const std::vector<std::string>& id_values() const { return id_values_; }

 private:
  std::vector<Table> tables_;
  std::unordered_map<std::string, size_t> table_index_;
  std::unordered_map<std::string, std::string> id_map_;
  std::vector<std::string> id_values_;
};

// `get_sql(schema, query)`. Throws Error(kParse) with the Python exception the official code
// raises ("AssertionError: Error col: name", "KeyError: 'x'", ...).
SpiderSql parse_spider_sql(const SpiderSchema& schema, std::string_view query);

}  // namespace t2sql::spider
