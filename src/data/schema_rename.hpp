// Name augmentation: the same database with its tables and columns respelled, and the gold query
// rewritten to match (`t2sql data prep --renamed-schema-copies K`). A small model trained from
// scratch memorizes the names of the training databases and writes them on unseen ones (most of
// its wrong dev answers name a column or table that is not in the schema); when the spelling of
// every name changes from copy to copy, only the prompt tells it which name to write.
//
// The respellings keep a name's words, so the question still points at it: case and separator
// changes (Singer_ID -> singer_id, SingerId, SINGER_ID, singer-free forms such as singerid), a
// plural "s" added or dropped on table names. Names that are SQL keywords, that are both a table
// and a column name, or that the query quotes are left alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "data/schema.hpp"

namespace t2sql {

struct RenamedExample {
  Schema schema;    // renamed (and create_sql cleared, so prompts spell the new names)
  std::string sql;  // the query with every table and column name replaced
};

// The renaming drawn from `seed` (mt19937_64: the same on every platform) applied to `schema` and
// `sql`. nullopt when the query cannot be rewritten safely: it does not lex, it quotes a name of
// the schema (a Spider value such as "Student" may equal a table name), or the rewritten query
// does not parse under the renamed schema with the Spider parser.
std::optional<RenamedExample> rename_schema_and_query(const Schema& schema, std::string_view sql, uint64_t seed);

// The respelling of one name in the given style (0..kNameStyles-1); exposed for tests.
inline constexpr int kNameStyles = 5;
std::string respell_name(std::string_view name, int style);

}  // namespace t2sql
