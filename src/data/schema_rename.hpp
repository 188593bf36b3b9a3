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
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Word substitution (`t2sql data prep --substituted-schema-copies K`): the respellings above keep a
// name's words, so a model can still recall a training database from them. Here every word of the
// table and column names is replaced by another word drawn from `pool` (one word, one replacement,
// throughout the copy: `singer` -> `harbor` makes `Singer_ID` `Harbor_ID`), and the question's
// mentions of those words (plurals included) change with them, so the question, the schema and
// the answer agree on names that no training database has in that role. Words kept: shorter than 3
// letters or not alphabetic, a few function words and `id`, words of names that keep their
// spelling, and words inside the query's string values (the question states those values too).
struct SubstitutedExample {
  Schema schema;         // names with substituted words (create_sql cleared)
  std::string sql;       // the query with every table and column name replaced
  std::string question;  // the question with the substituted words replaced
};

// nullopt when the query cannot be rewritten safely (as for rename_schema_and_query), or two names
// would collide after substitution.
std::optional<SubstitutedExample> substitute_schema_words(const Schema& schema, std::string_view sql,
                                                          std::string_view question,
                                                          const std::vector<std::string>& pool, uint64_t seed);

// The words a substitution draws from: the lower-case alphabetic words of 3 to 14 letters of every
// table and column name of `schemas` that a substitution may replace (SQL keywords and the kept
// function words left out), sorted and unique.
std::vector<std::string> name_word_pool(const std::vector<const Schema*>& schemas);

// `question` with every word of `words` (lower-case word -> replacement) replaced, whole words
// only, case-insensitively; a plural (`-s`, `-es`, `-ies` for `-y`) becomes the replacement's
// plural, and the replacement follows the case of the word it replaces (Singer -> Harbor, SINGER
// -> HARBOR). Exposed for tests.
std::string substitute_question_words(std::string_view question, const std::map<std::string, std::string>& words);

// The respelling of one name in the given style (0..kNameStyles-1); exposed for tests.
inline constexpr int kNameStyles = 5;
std::string respell_name(std::string_view name, int style);

}  // namespace t2sql
