// Answers written with table-qualified column names: `SELECT singer.Name FROM singer` instead of
// `SELECT Name FROM singer`, and `FROM singer JOIN concert ON singer.id = concert.singer_id`
// instead of `FROM singer AS T1 JOIN concert AS T2 ON T1.id = T2.singer_id`
// (`t2sql data prep --qualified-answers`). With the `qualified` schema format every name the answer
// needs is then a span of the prompt, `table.column` spelled alike on both sides, so a small
// model copies it instead of remembering which table an alias stands for or which table holds a
// bare column (the commonest wrong answer of the default model: a real column in the wrong table).
//
// The rewrite is per SELECT block (a subquery or each side of INTERSECT / UNION / EXCEPT has its
// own FROM): an alias becomes its table's name and its `AS alias` is dropped, a bare name that is
// a column of exactly one table of the block gets that table in front. A block that joins a table
// with itself keeps its aliases (they are what tells the two copies apart) and is left as written.
// The query's meaning does not change: the Spider parser must read the rewritten query as the same
// tables and columns, otherwise the query is not rewritten.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "data/schema.hpp"

namespace t2sql {

// `sql` with every column named as `table.column` (spelling of the schema for tables, of the query
// for columns). nullopt when the query cannot be rewritten safely: it does not lex, a FROM holds a
// subquery or a name that is no table of the schema, a qualifier is no alias or table of its
// block, or the result does not parse with the Spider parser.
std::optional<std::string> qualify_query_columns(const Schema& schema, std::string_view sql);

}  // namespace t2sql
